/**
 * NAB's scaled sigmoid S(y) = 2/(1+e^{5y}) − 1.
 * y is a position relative to a label window: −1 is the window's left edge,
 * 0 its right edge, positive values lie after it. Beyond y = 3 NAB clamps to
 * −1 so that far-away false positives all cost the full fpWeight.
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** The score of a detection on a window's left edge; NAB divides TP scores by it so the best TP is worth exactly tpWeight. */
export const MAX_TRUE_POSITIVE = scaledSigmoid(-1);

/** NAB scores any point before the first window as if it were this far past one (S(3) ≈ −1). */
export const BEFORE_FIRST_WINDOW_POSITION = 3;
