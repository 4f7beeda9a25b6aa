/** NAB's scoreboard scale: 0 for the null detector, 100 for the perfect one. */
export function normalisedScore(raw: number, nullScore: number, perfectScore: number): number {
  if (perfectScore === nullScore) throw new Error(`cannot normalise: perfect and null scores are both ${nullScore}`);
  return (100 * (raw - nullScore)) / (perfectScore - nullScore);
}
