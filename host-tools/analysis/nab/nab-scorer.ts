import type { CostMatrix } from "./cost-matrix.ts";
import type { LabelWindow } from "./label-windows.ts";
import { BEFORE_FIRST_WINDOW_POSITION, MAX_TRUE_POSITIVE, scaledSigmoid } from "./scaled-sigmoid.ts";

/**
 * One scorable (post-probation) row: what it would add if detected.
 * windowId is null outside windows; ids are unique across the corpus so
 * points of many series can be pooled for one threshold.
 */
export interface ScoredPoint {
  readonly anomalyScore: number;
  readonly weightedScore: number;
  readonly windowId: string | null;
}

/** NAB excludes the first 15 % of each series, capped at 750 rows, from scoring. */
export function probationaryLength(rowCount: number): number {
  return Math.min(Math.floor(0.15 * rowCount), 750);
}

/**
 * Scores one series the way NAB's sweeper does: every row gets the weight it
 * would earn if detected, then a threshold decides which rows are detections.
 */
export class NabScorer {
  readonly #cost: CostMatrix;

  constructor(cost: CostMatrix) {
    this.#cost = cost;
  }

  /** Weights every row after probation; windows are located by exact timestamp match. */
  scorePoints(series: string, timestamps: readonly string[], anomalyScores: readonly number[], windows: readonly LabelWindow[]): ScoredPoint[] {
    if (timestamps.length !== anomalyScores.length) {
      throw new Error(`${series}: ${timestamps.length} timestamps but ${anomalyScores.length} anomaly scores`);
    }
    const rowOf = new Map<string, number>();
    timestamps.forEach((timestamp, row) => {
      if (!rowOf.has(timestamp)) rowOf.set(timestamp, row);
    });
    const edges = windows.map((window) => {
      const left = rowOf.get(window.start);
      const right = rowOf.get(window.end);
      if (left === undefined || right === undefined || right < left) {
        throw new Error(`${series}: window [${window.start}, ${window.end}] does not match rows of the series`);
      }
      return { id: `${series}|${window.start}`, left, right, width: right - left + 1 };
    });

    const probation = probationaryLength(timestamps.length);
    const points: ScoredPoint[] = [];
    let next = 0;
    let current: (typeof edges)[number] | null = null;
    let previous: (typeof edges)[number] | null = null;
    for (let row = 0; row < timestamps.length; row++) {
      const upcoming = edges[next];
      if (current === null && upcoming && row === upcoming.left) {
        current = upcoming;
        next++;
      }
      const weightedScore = current ? this.#truePositiveWeight(row, current) : this.#falsePositiveWeight(row, previous);
      if (row >= probation) {
        points.push({ anomalyScore: anomalyScores[row] as number, weightedScore, windowId: current ? current.id : null });
      }
      if (current && row === current.right) {
        previous = current;
        current = null;
      }
    }
    return points;
  }

  /**
   * Raw score at a threshold: detections are rows with anomalyScore ≥ threshold.
   * Each window earns its best (earliest) detection or −fnWeight if missed;
   * every detection outside a window adds its (negative) FP weight.
   */
  scoreAtThreshold(points: readonly ScoredPoint[], threshold: number): number {
    const windows = new Map<string, number>();
    let falsePositives = 0;
    for (const point of points) {
      if (point.windowId === null) {
        if (point.anomalyScore >= threshold) falsePositives += point.weightedScore;
        continue;
      }
      const best = windows.get(point.windowId) ?? -this.#cost.fnWeight;
      windows.set(point.windowId, point.anomalyScore >= threshold ? Math.max(best, point.weightedScore) : best);
    }
    let total = falsePositives;
    for (const score of windows.values()) total += score;
    return total;
  }

  /** Score of a detector that finds every window on its left edge and nothing else. */
  perfectScore(points: readonly ScoredPoint[]): number {
    return this.#cost.tpWeight * countWindows(points);
  }

  /** Score of a detector that never fires: every window missed. */
  nullScore(points: readonly ScoredPoint[]): number {
    return -this.#cost.fnWeight * countWindows(points);
  }

  // y = −(right − row + 1)/width runs from −1 at the left edge to −1/width at the right edge.
  #truePositiveWeight(row: number, window: { right: number; width: number }): number {
    const position = -(window.right - row + 1) / window.width;
    return (this.#cost.tpWeight * scaledSigmoid(position)) / MAX_TRUE_POSITIVE;
  }

  // After a window the penalty grows with distance measured in that window's widths.
  #falsePositiveWeight(row: number, previous: { right: number; width: number } | null): number {
    const position = previous === null ? BEFORE_FIRST_WINDOW_POSITION : Math.abs(previous.right - row) / (previous.width - 1);
    return this.#cost.fpWeight * scaledSigmoid(position);
  }
}

/** Windows count only if at least one of their rows survives probation, as in NAB. */
export function countWindows(points: readonly ScoredPoint[]): number {
  const ids = new Set<string>();
  for (const point of points) if (point.windowId !== null) ids.add(point.windowId);
  return ids.size;
}
