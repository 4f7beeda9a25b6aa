/**
 * At most `limit` admissions in any 1,000 ms, as AWS IoT Core counts its per-second quotas: a
 * sliding window over the times of the last `limit` admissions, so a burst straddling a second
 * boundary is not admitted twice over.
 */
export class PerSecondQuota {
  readonly limit: number;
  readonly #times: number[];
  #next = 0;
  #count = 0;

  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit > 0)) throw new Error(`a per-second quota must be a whole number above 0, got ${String(limit)}`);
    this.limit = limit;
    this.#times = new Array<number>(limit).fill(0);
  }

  /** Whether a request at `nowMs` is within the quota; an admitted one counts against the next second. */
  admit(nowMs: number): boolean {
    if (this.#count === this.limit && nowMs - this.#times[this.#next]! < 1000) return false;
    this.#times[this.#next] = nowMs;
    this.#next = (this.#next + 1) % this.limit;
    this.#count = Math.min(this.#count + 1, this.limit);
    return true;
  }
}
