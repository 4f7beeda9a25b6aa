/** The training tests' history: a week of one board with a daily cycle and one spike, and a board with too few readings. */
import type { Channel } from "../../../../firmware/telemetry/Channels.ts";
import { DAY, HOUR, MINUTE, noise, records, T0 } from "./syntheticLake.ts";

export const BASE: Record<Channel, number> = {
  temperature_c: 20,
  humidity_pct: 50,
  pm1_ugm3: 8,
  pm2_5_ugm3: 12,
  pm10_ugm3: 20,
  co_ppb: 300,
  no2_ppb: 15,
  so2_ppb: 3,
  o3_ppb: 30,
};
export const INTERVAL_MS = 10 * MINUTE;
export const WEEK_READINGS = (7 * DAY) / INTERVAL_MS;
/** One PM2.5 reading eight times its level, on day 5 at noon. */
export const SPIKE_TS = T0 + 5 * DAY + 12 * HOUR;

/** Every channel: its level, ±30 % over the day (peak at 06:00 UTC), and ±5 % noise. */
export function dailyCycle(channel: Channel, ts: number): number {
  const phase = (2 * Math.PI * (ts % DAY)) / DAY;
  return BASE[channel] * (1 + 0.3 * Math.sin(phase) + 0.05 * noise(channel, ts));
}

export function weekWithSpike(thing: string): Record<string, unknown>[] {
  return records({
    thing,
    from: T0,
    count: WEEK_READINGS,
    intervalMs: INTERVAL_MS,
    valueOf: (channel, ts) => (channel === "pm2_5_ugm3" && ts === SPIKE_TS ? 8 * BASE.pm2_5_ugm3 : dailyCycle(channel, ts)),
  });
}

export function fewReadings(thing: string, count = 100): Record<string, unknown>[] {
  return records({ thing, from: T0 + 6 * DAY, count, intervalMs: INTERVAL_MS, valueOf: dailyCycle });
}
