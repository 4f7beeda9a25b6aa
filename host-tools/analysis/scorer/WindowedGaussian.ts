/**
 * Baseline: each channel's reading against the mean and standard deviation of its last `window`
 * valid readings (NAB's windowedGaussian idea, causal, in doubles). Score z / (z + 1) of the
 * largest z over the channels, so it lies in [0, 1) like the board's; any threshold on it is a
 * threshold on z. Host only: it keeps every reading of the window, far past a board's budget.
 */
export class WindowedGaussian {
  readonly #window: number;
  readonly #minimum: number;
  readonly #history: number[][];

  /** A channel scores 0 until it has `minimum` readings in its window. */
  constructor(channels: number, window: number, minimum = Math.min(window, 24)) {
    this.#window = window;
    this.#minimum = minimum;
    this.#history = Array.from({ length: channels }, () => []);
  }

  score(row: readonly number[]): number {
    let combined = 0;
    this.#history.forEach((history, channel) => {
      const x = row[channel] as number;
      if (!Number.isFinite(x)) return;
      if (history.length >= this.#minimum) {
        const mean = history.reduce((sum, value) => sum + value, 0) / history.length;
        const sd = Math.sqrt(history.reduce((sum, value) => sum + (value - mean) ** 2, 0) / history.length);
        const z = sd === 0 ? (x === mean ? 0 : Number.POSITIVE_INFINITY) : Math.abs(x - mean) / sd;
        const score = z === Number.POSITIVE_INFINITY ? 1 : z / (z + 1);
        if (score > combined) combined = score;
      }
      history.push(x);
      if (history.length > this.#window) history.shift();
    });
    return combined;
  }
}
