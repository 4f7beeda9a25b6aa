/**
 * A simulated UART between the board and one device model. Bytes the model sends become readable
 * by the board only once they have been clocked out at the line's baud rate (10 bits a byte for 8N1),
 * so drivers see the same partial frames they see on a real wire.
 */
import { TEST_TRACES, TraceRing } from "./TraceRing.ts";

/** A device model on the far end of a UART. */
export interface UartPeer {
  /** The board wrote `bytes`; they reached the peer at board time `now`. */
  receive(bytes: Uint8Array, now: number): void;
  /** Bytes the peer has started sending by `now`, each stamped with the time its first bit went out. */
  transmit(now: number): { at: number; bytes: Uint8Array }[];
  /** When the peer will next send something, so the virtual clock can wake the board then. */
  nextTransmitAt(now: number): number | undefined;
}

export interface UartTransfer {
  readonly at: number;
  readonly direction: "to-peer" | "from-peer";
  readonly bytes: Uint8Array;
}

export class UartLink {
  readonly #peer: UartPeer;
  readonly #byteTimeMs: number;
  /** Bytes on their way to the board, with the time each one is fully received. */
  #inFlight: { ready: number; byte: number }[] = [];
  #readable: number[] = [];
  readonly #trace: TraceRing<UartTransfer>;
  /** Bytes dropped because the board's receive buffer was full: a real UART loses them too. */
  overruns = 0;
  readonly #rxCapacity: number;

  constructor(peer: UartPeer, options: { baud: number; rxBufferBytes?: number; keepTransfers?: number }) {
    this.#peer = peer;
    this.#byteTimeMs = 10_000 / options.baud;
    this.#rxCapacity = options.rxBufferBytes ?? 1024;
    this.#trace = new TraceRing(options.keepTransfers ?? TEST_TRACES.uartTransfers);
  }

  /** The latest transfers either way, oldest first (`keepTransfers` of them). */
  get transfers(): UartTransfer[] {
    return this.#trace.items();
  }

  get peer(): UartPeer {
    return this.#peer;
  }

  /** The board writes. */
  write(bytes: Uint8Array, now: number): void {
    this.#record({ at: now, direction: "to-peer", bytes: bytes.slice() });
    this.#peer.receive(bytes.slice(), now);
  }

  /** How many bytes the board can read at `now`. */
  available(now: number): number {
    this.#pump(now);
    return this.#readable.length;
  }

  /** The board reads up to `max` bytes. */
  read(max: number, now: number): Uint8Array {
    this.#pump(now);
    const taken = this.#readable.splice(0, Math.max(0, max));
    return Uint8Array.from(taken);
  }

  /**
   * When the board should next look: the end of the burst now on the wire (a real UART raises its
   * receive interrupt on a FIFO threshold or an idle line, not on every byte), or when the peer
   * next starts sending.
   */
  nextEventAt(now: number): number | undefined {
    this.#pump(now);
    const pending = this.#inFlight.at(-1)?.ready;
    const peer = this.#peer.nextTransmitAt(now);
    if (pending === undefined) return peer;
    if (peer === undefined) return pending;
    return Math.min(pending, peer);
  }

  #pump(now: number): void {
    for (const chunk of this.#peer.transmit(now)) {
      this.#record({ at: chunk.at, direction: "from-peer", bytes: chunk.bytes.slice() });
      const start = Math.max(chunk.at, this.#inFlight.at(-1)?.ready ?? chunk.at);
      chunk.bytes.forEach((byte, i) => this.#inFlight.push({ ready: start + (i + 1) * this.#byteTimeMs, byte }));
    }
    let arrived = 0;
    while (arrived < this.#inFlight.length && this.#inFlight[arrived]!.ready <= now) arrived++;
    for (const { byte } of this.#inFlight.splice(0, arrived)) {
      if (this.#readable.length >= this.#rxCapacity) this.overruns++;
      else this.#readable.push(byte);
    }
  }

  #record(transfer: UartTransfer): void {
    this.#trace.push(transfer);
  }
}
