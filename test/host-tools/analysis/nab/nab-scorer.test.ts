import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CostMatrix } from "../../../../host-tools/analysis/nab/cost-matrix.ts";
import { NabScorer, probationaryLength } from "../../../../host-tools/analysis/nab/nab-scorer.ts";
import { normalisedScore } from "../../../../host-tools/analysis/nab/normalised-score.ts";
import { scaledSigmoid } from "../../../../host-tools/analysis/nab/scaled-sigmoid.ts";
import { ThresholdSweep } from "../../../../host-tools/analysis/nab/threshold-sweep.ts";

const standard: CostMatrix = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

// 40 rows, hourly; probation = floor(0.15·40) = 6 rows. Window: rows 20..24 (width 5).
const timestamps = Array.from(
  { length: 40 },
  (_, row) => `2020-01-02 ${String(Math.floor(row / 60)).padStart(2, "0")}:${String(row % 60).padStart(2, "0")}:00`,
);
const window = { start: timestamps[20] as string, end: timestamps[24] as string };
const S1 = 2 / (1 + Math.exp(-5)) - 1; // S(−1) ≈ 0.986614

/** Raw score when only the given rows fire (score 1, others 0). */
function scoreWithDetections(rows: number[], cost: CostMatrix = standard): number {
  const scores = timestamps.map((_, row) => (rows.includes(row) ? 1 : 0));
  const scorer = new NabScorer(cost);
  return scorer.scoreAtThreshold(scorer.scorePoints("toy.csv", timestamps, scores, [window]), 0.5);
}

describe("scaledSigmoid", () => {
  it("is 2/(1+e^{5y}) − 1 and clamps to −1 beyond y = 3", () => {
    close(scaledSigmoid(-1), S1);
    close(scaledSigmoid(0), 0);
    close(scaledSigmoid(-0.5), 2 / (1 + Math.exp(-2.5)) - 1);
    assert.equal(scaledSigmoid(3.01), -1);
  });
});

describe("NabScorer rules", () => {
  it("probation is min(floor(0.15·n), 750)", () => {
    assert.equal(probationaryLength(40), 6);
    assert.equal(probationaryLength(4032), 604);
    assert.equal(probationaryLength(22695), 750);
  });

  it("a detection on the window's left edge earns exactly tpWeight", () => {
    close(scoreWithDetections([20]), 1);
  });

  it("a detection on the window's right edge earns S(−1/width)/S(−1)", () => {
    close(scoreWithDetections([24]), (2 / (1 + Math.exp(-1)) - 1) / S1);
  });

  it("only the earliest detection in a window counts", () => {
    close(scoreWithDetections([22, 20, 23]), 1);
  });

  it("a missed window costs fnWeight (doubled in reward_low_FN_rate)", () => {
    close(scoreWithDetections([]), -1);
    close(scoreWithDetections([], { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 }), -2);
  });

  it("a false positive just after a window is weighted by distance in window widths", () => {
    // Row 25 is 1 row past right edge 24: y = 1/(5 − 1) = 0.25.
    close(scoreWithDetections([25]), -1 + 0.11 * (2 / (1 + Math.exp(1.25)) - 1));
    // Far away (y = 15/4 > 3): full −fpWeight.
    close(scoreWithDetections([39]), -1 - 0.11);
  });

  it("a false positive before any window costs ≈ −fpWeight (NAB uses S(3))", () => {
    close(scoreWithDetections([10]), -1 + 0.11 * (2 / (1 + Math.exp(15)) - 1));
    assert.ok(Math.abs(scoreWithDetections([10]) - -1.11) < 1e-6);
  });

  it("detections during probation are not scored", () => {
    close(scoreWithDetections([0, 5]), -1);
    close(scoreWithDetections([6]), -1 + 0.11 * scaledSigmoid(3));
  });

  it("rejects a window whose edges are not rows of the series", () => {
    const scorer = new NabScorer(standard);
    assert.throws(
      () =>
        scorer.scorePoints(
          "toy.csv",
          timestamps,
          timestamps.map(() => 0),
          [{ start: "1999-01-01 00:00:00", end: window.end }],
        ),
      /toy\.csv: window \[1999-01-01 00:00:00/,
    );
  });
});

describe("normalisation and sweep", () => {
  it("maps null to 0 and perfect to 100", () => {
    assert.equal(normalisedScore(-116, -116, 116), 0);
    assert.equal(normalisedScore(116, -116, 116), 100);
    close(normalisedScore(46.634450197137596, -116, 116), 70.10105611943965);
  });

  it("the sweep picks the threshold that detects the window's left edge only", () => {
    // Left edge scores 0.9, a far FP 0.8, a later in-window row 0.95.
    const scores = timestamps.map((_, row) => (row === 20 ? 0.9 : row === 39 ? 0.8 : row === 23 ? 0.95 : 0.1));
    const points = new NabScorer(standard).scorePoints("toy.csv", timestamps, scores, [window]);
    const best = new ThresholdSweep(standard).best(points);
    assert.equal(best.threshold, 0.9);
    close(best.rawScore, 1);
  });
});
