import { test } from "node:test";
import assert from "node:assert/strict";
import { windowedRobustZFlags } from "../../../../host-tools/analysis/training/WindowedRobustZ.ts";

const wiggle = (i: number): number => 10 + [0, 1, -1, 2, -2][i % 5]!;

test("flags a reading whose modified z-score against the trailing window passes 3.5, and nothing before the window is full", () => {
  const values = Array.from({ length: 40 }, (_, i) => (i === 30 ? 16 : i === 5 ? 40 : wiggle(i)));
  const flags = windowedRobustZFlags(values, { windowReadings: 10, recomputeEvery: 1 });
  // Window median 10, MAD 1: 16 gives M = 0.6745 · 6 = 4.05; the 40 at reading 5 comes before the window is full.
  assert.deepEqual(
    flags.flatMap((f, i) => (f ? [i] : [])),
    [30],
  );
  const justBelow = values.map((v, i) => (i === 30 ? 15 : v));
  assert.deepEqual(windowedRobustZFlags(justBelow, { windowReadings: 10, recomputeEvery: 1 }).filter(Boolean).length, 0, "15 gives M = 3.37");
});

test("missing readings are neither flagged nor learnt from; a window with MAD 0 flags nothing", () => {
  const values = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? Number.NaN : wiggle(i)));
  values[25] = Number.NaN;
  assert.ok(windowedRobustZFlags(values, { windowReadings: 5, recomputeEvery: 2 }).every((f) => !f));
  assert.ok(windowedRobustZFlags([...new Array<number>(20).fill(3), 50], { windowReadings: 10, recomputeEvery: 1 }).every((f) => !f));
  assert.throws(() => windowedRobustZFlags([], { windowReadings: 2, recomputeEvery: 1 }), /windowReadings must be an integer ≥ 3, got 2/);
});
