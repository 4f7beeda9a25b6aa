/**
 * The last `capacity` entries of a trace a simulated part records (bus transactions, UART
 * transfers, pin changes, console lines), oldest first. A test sizes the ring to what it asserts
 * on; a long run keeps a bounded window, or nothing at capacity 0, never the whole run.
 */
export class TraceRing<T> {
  readonly capacity: number;
  readonly #items: T[] = [];
  /** Index of the oldest entry once the ring is full. */
  #start = 0;
  /** Entries overwritten or never kept, so a test can tell a window from the whole run. */
  dropped = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`a trace keeps a whole number of entries from 0 up, not ${capacity}`);
    this.capacity = capacity;
  }

  get length(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return;
    }
    this.dropped++;
    if (this.capacity === 0) return;
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.capacity;
  }

  /** The entries kept, oldest first: a copy the caller may keep. */
  items(): T[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }
}

/** How much each recorded trace of one simulated board keeps. */
export interface BoardTraceLimits {
  readonly i2cTransactions: number;
  readonly uartTransfers: number;
  readonly pinChanges: number;
  /** Lines of the serial log kept in memory (`BoardHardware.console`). */
  readonly consoleLines: number;
}

/** What a test board keeps unless the test sizes it: enough for a simulated day of assertions. */
export const TEST_TRACES: BoardTraceLimits = Object.freeze({ i2cTransactions: 10_000, uartTransfers: 10_000, pinChanges: 10_000, consoleLines: 10_000 });

/** A board of a long run keeps no trace: its serial log goes to a file and nothing reads the rest. */
export const NO_TRACES: BoardTraceLimits = Object.freeze({ i2cTransactions: 0, uartTransfers: 0, pinChanges: 0, consoleLines: 0 });
