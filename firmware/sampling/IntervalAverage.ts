import type { ChannelHealth } from "../telemetry/TelemetryRecord";
import type { ChannelRead } from "../telemetry/Channels";

export interface IntervalResult {
  readonly value?: number;
  readonly health: ChannelHealth;
  /** The last fault's driver text, for the log line that says why. */
  readonly reason?: string;
}

/**
 * One channel's reads over one reporting interval. The value is the mean of the good reads only, so a
 * glitch mid-interval costs one read, not the reading; with no good read the health says why.
 */
export class IntervalAverage {
  #sum = 0;
  #count = 0;
  #warming = false;
  #fault: string | undefined;
  #reason: string | undefined;

  add(read: ChannelRead): void {
    if ("value" in read) {
      this.#sum += read.value;
      this.#count++;
    } else if ("fault" in read) {
      this.#fault = read.fault;
      this.#reason = read.reason;
    } else if ("warming" in read) this.#warming = true;
  }

  /** The interval's result; the average starts again empty. */
  conclude(): IntervalResult {
    const result: IntervalResult =
      this.#count > 0
        ? { value: this.#sum / this.#count, health: "ok" }
        : this.#fault !== undefined
          ? { health: `fault:${this.#fault}`, ...(this.#reason === undefined ? {} : { reason: this.#reason }) }
          : this.#warming
            ? { health: "warming" }
            : { health: "fault:no-data", reason: "no read in the interval" };
    this.#sum = 0;
    this.#count = 0;
    this.#warming = false;
    this.#fault = undefined;
    this.#reason = undefined;
    return result;
  }
}
