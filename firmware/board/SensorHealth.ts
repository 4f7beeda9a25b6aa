import { CHANNELS, type Channel } from "../telemetry/Channels";
import type { IntervalReading } from "../sampling/Sampler";
import type { ChannelHealth } from "../telemetry/TelemetryRecord";

export interface HealthChange {
  readonly channel: Channel;
  readonly from: ChannelHealth | undefined;
  readonly to: ChannelHealth;
  readonly reason?: string;
}

/**
 * Remembers each channel's health from one reading to the next, so the log says when a channel
 * starts failing, warms up or recovers once, not at every reading, and the LED knows if any is faulty.
 */
export class SensorHealth {
  readonly #health = new Map<Channel, ChannelHealth>();

  /** The channels whose health is not what it was at the previous reading. */
  update(reading: IntervalReading): HealthChange[] {
    const changes: HealthChange[] = [];
    for (const { name } of CHANNELS) {
      const result = reading[name];
      const from = this.#health.get(name);
      if (from === result.health) continue;
      this.#health.set(name, result.health);
      changes.push(
        result.reason === undefined ? { channel: name, from, to: result.health } : { channel: name, from, to: result.health, reason: result.reason },
      );
    }
    return changes;
  }

  /** Every channel's health as of the last reading. */
  snapshot(): Record<string, ChannelHealth> {
    const health: Record<string, ChannelHealth> = {};
    for (const [channel, value] of this.#health) health[channel] = value;
    return health;
  }

  get anyFaulty(): boolean {
    for (const health of this.#health.values()) if (health.startsWith("fault:")) return true;
    return false;
  }
}
