/**
 * Holds the first error a driver reported since the last read, so the read that follows can say
 * which fault left its value out. A driver's `onError` is `latch.note`.
 */
export class FaultLatch {
  #reason: string | undefined;

  readonly note = (reason: string): void => {
    if (this.#reason === undefined) this.#reason = reason;
  };

  /** The reason noted since the last call, if any; clears it. */
  take(): string | undefined {
    const reason = this.#reason;
    this.#reason = undefined;
    return reason;
  }
}
