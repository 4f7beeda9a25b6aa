import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PerSecondQuota } from "../../../firmware/session/PerSecondQuota";

test("a quota of 1: one request per second, the next at exactly 1,000 ms later admitted, 999 ms later not", () => {
  const quota = new PerSecondQuota(1);
  assert.deepEqual(
    [0, 999, 1000, 1500, 1999, 2000].map((t) => quota.admit(t)),
    [true, false, true, false, false, true],
  );
});

test("a burst straddling a second boundary is not admitted twice over", () => {
  const quota = new PerSecondQuota(3);
  const admitted = [900, 900, 900, 1100, 1100, 1100, 1900].map((t) => quota.admit(t));
  assert.deepEqual(admitted, [true, true, true, false, false, false, true]);
});

test("property: admits exactly when fewer than `limit` requests were admitted in the 1,000 ms before", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 60 }), (limit, gaps) => {
      const quota = new PerSecondQuota(limit);
      const admittedAt: number[] = [];
      let now = 0;
      for (const gap of gaps) {
        now += gap;
        const recent = admittedAt.filter((t) => now - t < 1000).length;
        const admitted = quota.admit(now);
        assert.equal(admitted, recent < limit, `at ${now} ms with ${recent} admitted in the second before`);
        if (admitted) admittedAt.push(now);
      }
    }),
  );
});

test("a quota that is not a whole number above 0 is refused", () => {
  for (const limit of [0, -1, 1.5, Number.NaN]) assert.throws(() => new PerSecondQuota(limit), /a per-second quota must be a whole number above 0, got /);
});

test("a reserve keeps admissions free: with 2 of 5 kept, the third in a second is refused to it and admitted without it", () => {
  const quota = new PerSecondQuota(5);
  assert.deepEqual(
    [0, 10, 20].map((t) => quota.admit(t, 2)),
    [true, true, true],
  );
  assert.equal(quota.admit(30, 2), false, "3 of 5 used: the 2 kept are not its to take");
  assert.equal(quota.readyAt(2), 1000, "once the first of the three is a second old");
  assert.deepEqual(
    [30, 40].map((t) => quota.admit(t)),
    [true, true],
  );
  assert.equal(quota.admit(50), false);
  assert.equal(quota.readyAt(), 1000);
  assert.equal(quota.readyAt(2), 1020, "the third most recent of five, at 20 ms");
});

test("property: readyAt(reserve) is the first time admit(…, reserve) says yes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.nat()), { maxLength: 60 }), (limit, steps) => {
      const quota = new PerSecondQuota(limit);
      const admittedAt: number[] = [];
      let now = 0;
      for (const [gap, pick] of steps) {
        now += gap;
        const reserve = pick % limit;
        const readyAt = quota.readyAt(reserve);
        const recent = admittedAt.filter((t) => now - t < 1000).length;
        const admitted = quota.admit(now, reserve);
        assert.equal(admitted, now >= readyAt, `admit at ${now} ms against readyAt ${readyAt}`);
        assert.equal(admitted, recent < limit - reserve, `at ${now} ms with ${recent} admitted in the second before, ${reserve} kept`);
        if (admitted) admittedAt.push(now);
      }
    }),
  );
});

test("a reserve that would leave nothing to admit is refused", () => {
  const quota = new PerSecondQuota(3);
  for (const reserve of [-1, 3, 1.5]) assert.throws(() => quota.admit(0, reserve), /a reserve must be a whole number from 0 to 2, got /);
});
