import type { CostMatrix } from "./cost-matrix.ts";
import type { ScoredPoint } from "./nab-scorer.ts";

export interface SweepResult {
  /** Detections are rows with anomalyScore ≥ threshold. */
  readonly threshold: number;
  readonly rawScore: number;
}

/**
 * Finds the single corpus-wide threshold with the highest raw score. Visiting
 * every distinct anomaly score from high to low is exact (the score only
 * changes at those values), unlike NAB's published local search, so it can
 * only match or beat the published thresholds.
 */
export class ThresholdSweep {
  readonly #cost: CostMatrix;

  constructor(cost: CostMatrix) {
    this.#cost = cost;
  }

  /**
   * The best threshold among those `admissible` accepts (all of them by default): a rule such
   * as "at most 1 false alarm per 1,000 clean readings" restricts the sweep, not the scoring.
   */
  best(points: readonly ScoredPoint[], admissible: (threshold: number) => boolean = () => true): SweepResult {
    const ordered = [...points].sort((a, b) => b.anomalyScore - a.anomalyScore);
    const windowBest = new Map<string, number>();
    for (const point of ordered) if (point.windowId !== null) windowBest.set(point.windowId, -this.#cost.fnWeight);
    let score = windowBest.size * -this.#cost.fnWeight;
    // A threshold above every score detects nothing: the null detector.
    let best: SweepResult = { threshold: Number.POSITIVE_INFINITY, rawScore: score };
    for (let i = 0; i < ordered.length; i++) {
      const point = ordered[i] as ScoredPoint;
      if (point.windowId === null) {
        score += point.weightedScore;
      } else {
        const previous = windowBest.get(point.windowId) as number;
        if (point.weightedScore > previous) {
          score += point.weightedScore - previous;
          windowBest.set(point.windowId, point.weightedScore);
        }
      }
      // Only a complete level of equal anomaly scores is a reachable threshold.
      const nextPoint = ordered[i + 1];
      if (nextPoint !== undefined && nextPoint.anomalyScore === point.anomalyScore) continue;
      if (score > best.rawScore && admissible(point.anomalyScore)) best = { threshold: point.anomalyScore, rawScore: score };
    }
    return best;
  }
}
