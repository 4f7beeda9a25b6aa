/**
 * A simulated I2C bus: device models attach at their address and answer byte for byte.
 * Recent transactions are recorded so a test can assert what the driver put on the wire.
 */
import { TEST_TRACES, TraceRing } from "./TraceRing.ts";

/** A device model on the bus. Returning "nack" models a target that does not acknowledge. */
export interface I2cTarget {
  readonly address: number;
  /** The controller wrote `data` (after the address byte) at board time `now` (ms). */
  write(data: Uint8Array, now: number): "ack" | "nack";
  /** The controller reads `length` bytes at board time `now`. */
  read(length: number, now: number): Uint8Array | "nack";
}

export interface I2cTransaction {
  readonly at: number;
  readonly address: number;
  readonly direction: "write" | "read";
  /** Bytes written, or bytes returned by the target; empty on a NACK. */
  readonly data: Uint8Array;
  readonly acked: boolean;
}

export class I2cBus {
  readonly #targets = new Map<number, I2cTarget>();
  readonly #trace: TraceRing<I2cTransaction>;

  /** `keepTransactions`: how many of the latest transactions to keep (TEST_TRACES' unless given). */
  constructor(options: { keepTransactions?: number } = {}) {
    this.#trace = new TraceRing(options.keepTransactions ?? TEST_TRACES.i2cTransactions);
  }

  /** The latest transactions, oldest first. */
  get transactions(): I2cTransaction[] {
    return this.#trace.items();
  }

  attach(target: I2cTarget): void {
    if (this.#targets.has(target.address)) {
      throw new Error(`I2C address 0x${target.address.toString(16)} is already taken on this bus`);
    }
    this.#targets.set(target.address, target);
  }

  /** Unplugs the device at `address`: it NACKs from now on, until attached again. */
  detach(address: number): void {
    this.#targets.delete(address);
  }

  write(address: number, data: Uint8Array, now: number): "ack" | "nack" {
    const target = this.#targets.get(address);
    const answer = target ? target.write(data.slice(), now) : "nack";
    this.#record({ at: now, address, direction: "write", data: data.slice(), acked: answer === "ack" });
    return answer;
  }

  read(address: number, length: number, now: number): Uint8Array | "nack" {
    const target = this.#targets.get(address);
    const answer = target ? target.read(length, now) : "nack";
    if (answer !== "nack" && answer.length !== length) {
      throw new Error(`I2C model at 0x${address.toString(16)} answered ${answer.length} bytes to a ${length}-byte read`);
    }
    this.#record({ at: now, address, direction: "read", data: answer === "nack" ? new Uint8Array(0) : answer.slice(), acked: answer !== "nack" });
    return answer;
  }

  #record(transaction: I2cTransaction): void {
    this.#trace.push(transaction);
  }
}
