import type { CostMatrix } from "./cost-matrix.ts";
import type { LabelWindow } from "./label-windows.ts";
import { NabScorer, type ScoredPoint } from "./nab-scorer.ts";
import { normalisedScore } from "./normalised-score.ts";
import { ThresholdSweep } from "./threshold-sweep.ts";

/** One series' anomaly scores with its labels: what a detector produced, ready for NAB scoring. */
export interface LabelledScores {
  readonly series: string;
  readonly timestamps: readonly string[];
  readonly scores: readonly number[];
  readonly windows: readonly LabelWindow[];
}

/** NAB's weighted points of a set of series, pooled (window ids are unique across series). */
export function pooledPoints(scorer: NabScorer, set: readonly LabelledScores[]): ScoredPoint[] {
  const points: ScoredPoint[] = [];
  for (const one of set) for (const point of scorer.scorePoints(one.series, one.timestamps, one.scores, one.windows)) points.push(point);
  return points;
}

export interface HeldOutResult {
  /** The threshold the exact sweep picked on the choosing half. */
  readonly threshold: number;
  /** Normalised score on the choosing half at that threshold: the in-sample figure. */
  readonly inSample: number;
  /** Normalised score on the reporting half at the same threshold. */
  readonly heldOut: number;
}

function normalisedAt(scorer: NabScorer, points: readonly ScoredPoint[], threshold: number): number {
  return normalisedScore(scorer.scoreAtThreshold(points, threshold), scorer.nullScore(points), scorer.perfectScore(points));
}

/**
 * NAB's rule (one threshold per profile, by sweeping) applied to the choosing half only; the
 * reporting half is then scored at that threshold, normalised against its own null and perfect
 * detectors. A threshold above every score (the sweep's "detect nothing") scores 0 on both.
 */
export function chooseThenReport(cost: CostMatrix, choose: readonly LabelledScores[], report: readonly LabelledScores[]): HeldOutResult {
  const scorer = new NabScorer(cost);
  const choosePoints = pooledPoints(scorer, choose);
  const { threshold } = new ThresholdSweep(cost).best(choosePoints);
  return { threshold, inSample: normalisedAt(scorer, choosePoints, threshold), heldOut: normalisedAt(scorer, pooledPoints(scorer, report), threshold) };
}
