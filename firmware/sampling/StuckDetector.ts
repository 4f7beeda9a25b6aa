/**
 * Tells a frozen part from a steady one: real sensors carry a few counts of noise, so the very same
 * raw value many reads in a row means the part stopped converting. `limit` is how many identical
 * reads in a row count as stuck; it is set per part from how noisy the part is.
 */
export class StuckDetector {
  readonly #limit: number;
  #last: number | undefined;
  #repeats = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`stuck limit must be an integer of at least 2, not ${limit}`);
    this.#limit = limit;
  }

  /** Takes the raw value of one read; true while it has repeated `limit` times or more. */
  stuck(raw: number): boolean {
    if (raw === this.#last) this.#repeats++;
    else {
      this.#last = raw;
      this.#repeats = 1;
    }
    return this.#repeats >= this.#limit;
  }

  /** Forgets the run, as after a read that failed: a value seen before and after a gap is not a run. */
  reset(): void {
    this.#last = undefined;
    this.#repeats = 0;
  }
}
