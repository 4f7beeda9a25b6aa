import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readingsTaken } from "../../../host-tools/twin/BoardReadings.ts";

const boot = (n: number) => `1970-01-01T00:00:00.000Z INFO boot BT100 Board started fw=0.1.0 thing=aqm-x boot=${n} interval_ms=1000`;
const held =
  "1970-01-01T00:00:01.081Z INFO sample SM320 The clock is not set yet: readings are stored with the unset clock's times and sent with corrected times once it is";
const reading = (seq: number) => `2026-12-03T13:02:09.036Z INFO sample SM300 A reading was taken and queued for sending seq=${seq} t=22.45 rh=43.25`;
const clock = "2026-12-03T13:02:09.000Z INFO network NW121 Clock set from SNTP host=pool.ntp.org step_ms=1796302926955";

test("a board's readings over every boot come from its serial log; those taken on the unset clock in a boot that restarted before it was set are named", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-readings-"));
  try {
    const log = path.join(dir, "serial.log");
    const lines = [
      boot(1),
      held,
      reading(1),
      clock,
      reading(2),
      boot(2),
      held,
      reading(1),
      boot(3),
      reading(1),
      "2026-12-03T13:02:10.036Z INFO sample SM300 A reading was ta",
    ];
    writeFileSync(log, lines.join("\n"));
    const taken = readingsTaken(log);
    assert.deepEqual([...taken.keys], ["1/1", "1/2", "2/1", "3/1"]);
    assert.equal(taken.boots, 3);
    assert.deepEqual([...taken.restartedBeforeClock], ["2/1"]);
    assert.deepEqual(readingsTaken(path.join(dir, "absent.log")), { keys: new Set(), readings: 0, boots: 0, restartedBeforeClock: new Set() });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
