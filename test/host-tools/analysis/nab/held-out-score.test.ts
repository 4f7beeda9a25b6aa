import assert from "node:assert/strict";
import { test } from "node:test";
import type { CostMatrix } from "../../../../host-tools/analysis/nab/cost-matrix.ts";
import { chooseThenReport, pooledPoints, type LabelledScores } from "../../../../host-tools/analysis/nab/held-out-score.ts";
import { NabScorer } from "../../../../host-tools/analysis/nab/nab-scorer.ts";
import { ThresholdSweep } from "../../../../host-tools/analysis/nab/threshold-sweep.ts";

const standard: CostMatrix = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

/** 100 rows (probation 15), one window on rows 50…59; scores 0 except the given rows. */
function series(name: string, scored: Record<number, number>): LabelledScores {
  const timestamps = Array.from({ length: 100 }, (_, row) => String(row));
  return { series: name, timestamps, scores: timestamps.map((_, row) => scored[row] ?? 0), windows: [{ start: "50", end: "59" }] };
}

test("the threshold is chosen on the choosing half alone and the reporting half is scored at it", () => {
  // On the choosing half the window's rows score 0.8 and a false alarm 0.5: the sweep picks 0.8.
  const choose = [series("c1", { 50: 0.8, 30: 0.5 }), series("c2", { 51: 0.8 })];
  // On the reporting half the window scores only 0.6: at 0.8 it is missed, though 0.6 would have found it.
  const report = [series("r1", { 52: 0.6 })];
  const result = chooseThenReport(standard, choose, report);
  assert.equal(result.threshold, 0.8);
  assert.ok(result.inSample > 95, `in-sample ${result.inSample}`);
  assert.equal(result.heldOut, 0, "a missed window on the reporting half scores as the null detector");
  assert.ok(chooseThenReport(standard, report, report).heldOut > 95, "chosen on the same half, the same series scores high");
});

test("the sweep honours an admissibility rule: the best threshold among those it accepts", () => {
  const scorer = new NabScorer(standard);
  const points = pooledPoints(scorer, [series("s", { 50: 0.3, 20: 0.9 })]);
  const sweep = new ThresholdSweep(standard);
  assert.equal(sweep.best(points).threshold, 0.3, "detecting the window outweighs one early false alarm");
  assert.equal(sweep.best(points, (threshold) => threshold > 0.9).threshold, Number.POSITIVE_INFINITY, "nothing admissible: detect nothing");
});
