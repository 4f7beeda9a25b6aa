/**
 * The store-and-forward buffer of unsent readings, as the console reads and clears it. The board
 * wires it to its flash store; the console never sees the store itself.
 */
export interface ConsoleOutbox {
  /** Readings waiting for the broker's acknowledgement. */
  readonly pending: number;
  /** Readings dropped since boot because the store was full. */
  readonly dropped: number;
  /** Share of the store in use, 0 … 1. */
  readonly fill: number;
  /** The payload of the `index`-th oldest waiting reading (0 = oldest), or undefined past the end. */
  record(index: number): Uint8Array | undefined;
  /** Deletes every waiting reading; returns how many there were. */
  clear(): number;
}
