import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PerSecondQuota } from "../../../../host-tools/local-cloud/iot-core/PerSecondQuota.ts";

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
