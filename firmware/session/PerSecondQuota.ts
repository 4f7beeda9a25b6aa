/**
 * At most `limit` admissions in any 1,000 ms, as AWS IoT Core counts its per-second quotas: a
 * sliding window over the times of the last `limit` admissions, so a burst straddling a second
 * boundary is not admitted twice over. The local IoT Core counts a connection's publishes with it,
 * and the board paces its own with it, so both sides count alike.
 *
 * A request may keep `reserve` admissions free for others: it is admitted only while fewer than
 * `limit - reserve` were admitted in the last 1,000 ms.
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
  admit(nowMs: number, reserve = 0): boolean {
    if (nowMs < this.readyAt(reserve)) return false;
    this.#times[this.#next] = nowMs;
    this.#next = (this.#next + 1) % this.limit;
    this.#count = Math.min(this.#count + 1, this.limit);
    return true;
  }

  /** The earliest time a request keeping `reserve` free is admitted; -Infinity when it would be now. */
  readyAt(reserve = 0): number {
    if (!(Number.isInteger(reserve) && reserve >= 0 && reserve < this.limit))
      throw new RangeError(`a reserve must be a whole number from 0 to ${this.limit - 1}, got ${String(reserve)}`);
    const allowed = this.limit - reserve;
    if (this.#count < allowed) return -Infinity;
    // The allowed-th most recent admission: once it is a second old, one more fits.
    return this.#times[(this.#next - allowed + this.limit) % this.limit]! + 1000;
  }
}
