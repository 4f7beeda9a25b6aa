import type { ChannelHealth } from "../telemetry/TelemetryRecord";

/**
 * Collects what each sensor's driver reported during one sampling cycle, so the reading can say
 * per sensor whether its values are good, still warming up, or missing because of a fault.
 */
export class SensorHealth {
  readonly #errors = new Map<string, string>();
  readonly #faulted = new Set<string>();

  /** A driver's onError: remembered for this cycle. */
  report(sensor: string, reason: string): void {
    if (!this.#errors.has(sensor)) this.#errors.set(sensor, reason);
  }

  /**
   * The sensor's health for this cycle and whether it changed between faulty and healthy since
   * the last cycle (so the log says so once, not every cycle).
   */
  conclude(sensor: string, gotValues: boolean, warming: boolean): { health: ChannelHealth; reason?: string; changed: boolean } {
    const reason = this.#errors.get(sensor) ?? (gotValues ? undefined : "no data");
    this.#errors.delete(sensor);
    const faulty = reason !== undefined;
    const wasFaulty = this.#faulted.has(sensor);
    if (faulty) this.#faulted.add(sensor);
    else this.#faulted.delete(sensor);
    const health: ChannelHealth = faulty ? "fault:read" : warming ? "warming" : "ok";
    return reason === undefined ? { health, changed: faulty !== wasFaulty } : { health, reason, changed: faulty !== wasFaulty };
  }

  get anyFaulty(): boolean {
    return this.#faulted.size > 0;
  }
}
