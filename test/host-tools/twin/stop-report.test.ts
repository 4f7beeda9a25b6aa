import assert from "node:assert/strict";
import { test } from "node:test";
import type { StopSummary } from "../../../host-tools/twin/MainJob.ts";
import { stopReportLines } from "../../../host-tools/twin/StopReport.ts";

type Board = StopSummary["boards"][number];
const board = (i: number, overrides: Partial<Board> = {}): Board => ({
  thing: `aqm-sim-${String(i).padStart(4, "0")}`,
  poweredUp: true,
  readings: 12,
  boots: 1,
  drained: true,
  rogue: false,
  led: "online",
  curated: 12,
  ...overrides,
});

test("a small fleet's stop names every board", () => {
  const lines = stopReportLines([board(1), board(2, { boots: 3 })]);
  assert.deepEqual(lines, [
    "aqm-sim-0001: 12 readings, all acknowledged; 12 in the curated lake",
    "aqm-sim-0002: 12 readings over 3 boots, all acknowledged; 12 in the curated lake",
  ]);
});

test("a thousand-board stop is one line for the clean boards, and names each board that needs a look", () => {
  const boards = Array.from({ length: 1000 }, (_, i) => board(i + 1));
  assert.deepEqual(stopReportLines(boards), [
    "1000 boards: 12000 readings taken, 12000 in the curated lake; 1000 boards had every reading acknowledged and curated",
  ]);

  boards[41] = board(42, { drained: false, curated: 9, led: "offline" });
  boards[99] = board(100, { poweredUp: false, readings: 0, curated: 0 });
  boards.push(board(0, { thing: "aqm-rogue-expired", rogue: true, readings: 0, curated: 0, led: "cert-error" }));
  const lines = stopReportLines(boards);
  assert.deepEqual(lines, [
    "aqm-sim-0042: 12 readings, NOT all acknowledged before the time limit (they stay in the board's queue); 9 in the curated lake (3 of its readings are not: still queued, or quarantined)",
    "aqm-sim-0100: 0 readings, never powered up (the stop came inside the power-up window); 0 in the curated lake",
    "aqm-rogue-expired: 0 readings, refused by the IoT Core as it must be (LED cert-error); 0 in the curated lake",
    "1000 boards: 11988 readings taken, 11985 in the curated lake; 998 boards had every reading acknowledged and curated, 3 listed above",
  ]);
});
