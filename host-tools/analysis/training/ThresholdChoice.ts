/**
 * Threshold arithmetic on the board's score grid. Scores and thresholds are Q0.16 integers: the
 * board flags a reading when its score ≥ thresholdQ16(threshold) (firmware/anomaly/Q16.ts), and
 * ScorerConfig accepts any threshold strictly between 0 and 1.
 */
import { Q16_ONE, SCORE_MAX, THRESHOLD_MIN_Q16 } from "../../../firmware/anomaly/Q16.ts";

/**
 * The lowest Q0.16 threshold that flags at most `budget` of these scores: one step above the
 * (budget + 1)-th highest score, so ties there stay below it. With no more scores than the budget,
 * every reading may alert and the threshold is the board's lowest.
 */
export function lowestThresholdWithin(scoresQ16: readonly number[], budget: number): number {
  const allowed = Math.max(0, Math.floor(budget));
  if (scoresQ16.length <= allowed) return THRESHOLD_MIN_Q16;
  const descending = [...scoresQ16].sort((a, b) => b - a);
  const q = descending[allowed]! + 1;
  return q < THRESHOLD_MIN_Q16 ? THRESHOLD_MIN_Q16 : q > SCORE_MAX ? SCORE_MAX : q;
}

export function countAtOrAbove(scoresQ16: readonly number[], thresholdQ16: number): number {
  let n = 0;
  for (const s of scoresQ16) if (s >= thresholdQ16) n++;
  return n;
}

export interface ScoreQuantiles {
  readonly p50: number;
  readonly p99: number;
  readonly p99_9: number;
  readonly max: number;
}

/** Nearest-rank quantiles (the smallest score with at least q of the scores at or below it), as fractions of 1. */
export function scoreQuantiles(scoresQ16: readonly number[]): ScoreQuantiles | null {
  if (scoresQ16.length === 0) return null;
  const ascending = [...scoresQ16].sort((a, b) => a - b);
  const rank = (q: number): number => ascending[Math.max(0, Math.ceil(q * ascending.length) - 1)]! / Q16_ONE;
  return { p50: rank(0.5), p99: rank(0.99), p99_9: rank(0.999), max: ascending[ascending.length - 1]! / Q16_ONE };
}
