import assert from "node:assert/strict";
import { test } from "node:test";
import { IntervalAverage } from "../../../firmware/sampling/IntervalAverage";
import { StuckDetector } from "../../../firmware/sampling/StuckDetector";
import { faultCodeOf } from "../../../firmware/sampling/FaultCode";

test("the reading is the mean of the good reads only: a failed read costs that read, not the reading", () => {
  const average = new IntervalAverage();
  average.add({ value: 10 });
  average.add({ fault: "crc", reason: "SHT4x temperature CRC 0x00, expected 0x92" });
  average.add({ value: 14 });
  assert.deepEqual(average.conclude(), { value: 12, health: "ok" });
});

test("with no good read the health says why: the last fault wins over warming, warming over nothing", () => {
  const average = new IntervalAverage();
  average.add({ warming: true });
  average.add({ fault: "nack", reason: "first" });
  average.add({ fault: "timeout", reason: "second" });
  assert.deepEqual(average.conclude(), { health: "fault:timeout", reason: "second" });
  average.add({ warming: true });
  average.add({ idle: true });
  assert.deepEqual(average.conclude(), { health: "warming" });
  average.add({ idle: true });
  assert.deepEqual(average.conclude(), { health: "fault:no-data", reason: "no read in the interval" });
});

test("each interval starts empty", () => {
  const average = new IntervalAverage();
  average.add({ value: 100 });
  average.conclude();
  average.add({ value: 2 });
  assert.deepEqual(average.conclude(), { value: 2, health: "ok" });
});

test("a value repeated `limit` times in a row is stuck; a change or a reset starts the count again", () => {
  const detector = new StuckDetector(3);
  assert.deepEqual(
    [5, 5, 5, 5].map((v) => detector.stuck(v)),
    [false, false, true, true],
  );
  assert.equal(detector.stuck(6), false);
  detector.stuck(6);
  detector.reset();
  assert.equal(detector.stuck(6), false);
  assert.throws(() => new StuckDetector(1), /at least 2/);
});

test("each driver's error text maps to its fault code", () => {
  const cases: [string, string][] = [
    ["SHT4x temperature CRC 0x00, expected 0x92", "crc"],
    ["SHT4x measurement failed: I2C write to 0x44: no acknowledge from 0x44", "nack"],
    ["SHT4x measurement: no answer after 9 ms", "timeout"],
    ["PMS5003 frame checksum 0x0102, expected 0x0103", "checksum"],
    ["PMS5003 frame length 0x0010, expected 0x001C", "frame"],
    ["PMS5003 frame has every value zero: its laser or fan has failed", "zero"],
    ["PMS5003 sleep command not sent: UART closed", "nack"],
    ["ADS1115 0x48 conversion saturated at 0x7FFF", "saturated"],
    ["ADS1115 0x49 conversion never completed", "timeout"],
    ["something new", "nack"],
  ];
  for (const [reason, code] of cases) assert.equal(faultCodeOf(reason), code, reason);
});
