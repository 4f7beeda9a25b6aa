/**
 * Capped exponential backoff with full jitter (a random wait in [0, cap], the cap doubling after
 * each failure), as AWS recommends for IoT fleets. The floor keeps retries above IoT Core's limit
 * of one CONNECT per second per client ID.
 */
export class Backoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #floorMs: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(options: { baseMs: number; maxMs: number; floorMs: number; random: () => number }) {
    if (!(options.baseMs > 0 && options.maxMs >= options.baseMs && options.floorMs >= 0)) {
      throw new RangeError(`invalid backoff: base ${options.baseMs} ms, max ${options.maxMs} ms, floor ${options.floorMs} ms`);
    }
    this.#baseMs = options.baseMs;
    this.#maxMs = options.maxMs;
    this.#floorMs = options.floorMs;
    this.#random = options.random;
  }

  /** The wait before the next attempt; each call counts one more failure. */
  next(): number {
    const cap = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return Math.max(this.#floorMs, Math.floor(this.#random() * cap));
  }

  /** The longest wait: for failures that retrying soon cannot fix, such as a rejected certificate. */
  longest(): number {
    this.#failures++;
    return this.#maxMs;
  }

  reset(): void {
    this.#failures = 0;
  }
}
