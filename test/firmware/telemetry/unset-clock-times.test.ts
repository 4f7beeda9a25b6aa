import assert from "node:assert/strict";
import { test } from "node:test";
import { CLOCK_SET_FROM_MS, shiftedTimestamp, unsetClockOffsets, unsetClockStamp } from "../../../firmware/telemetry/UnsetClockTimes.ts";

test("a reading stamped on the unset clock is told from one on a set clock", () => {
  assert.deepEqual(unsetClockStamp('{"v":1,"boot":4,"seq":2,"ts":20000}'), { boot: 4, ts: 20_000 });
  assert.equal(unsetClockStamp(`{"v":1,"boot":4,"seq":2,"ts":${CLOCK_SET_FROM_MS}}`), undefined);
});

test("shifting the timestamp keeps every other byte and the key order", () => {
  assert.equal(
    shiftedTimestamp('{"v":1,"boot":4,"seq":2,"ts":20000,"pm2_5":3.1,"health":{"pm2_5":"ok"}}', 5),
    '{"v":1,"boot":4,"seq":2,"ts":20005,"pm2_5":3.1,"health":{"pm2_5":"ok"}}',
  );
});

test("this boot's readings move by the clock step; earlier boots' end just before this power-on, the latest nearest", () => {
  const step = 1_800_000_000_000;
  const spans = new Map([
    [3, { first: 10_000, last: 30_000 }],
    [2, { first: 10_000, last: 20_000 }],
    [4, { first: 10_000, last: 10_000 }],
  ]);
  const offsets = unsetClockOffsets(spans, 4, step);
  assert.equal(offsets.get(4), step);
  assert.equal(30_000 + offsets.get(3)!, step - 1, "boot 3's last reading just before boot 4's power-on");
  assert.equal(20_000 + offsets.get(2)!, 10_000 + offsets.get(3)! - 1, "boot 2's last just before boot 3's first");
});
