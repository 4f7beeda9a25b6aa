/**
 * A reading as a board with every part well publishes it, for the benches and lake fixtures that
 * need telemetry without booting a board. Built from the firmware's channel list, so a channel
 * added there is in every such reading too.
 */
import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels.ts";
import { TELEMETRY_SCHEMA_VERSION, type ChannelHealth } from "../../../firmware/telemetry/TelemetryRecord.ts";

/** The health map of a reading in which no channel is warming up or at fault. */
export const ALL_CHANNELS_OK: Readonly<Record<Channel, ChannelHealth>> = Object.freeze(
  Object.fromEntries(CHANNELS.map((c) => [c.name, "ok"])) as Record<Channel, ChannelHealth>,
);

/** What, with `seq`, tells one reading from another: the board, its power-on count and the end of its interval. */
export interface ReadingId {
  readonly thing: string;
  readonly boot: number;
  readonly seq: number;
  readonly ts: number;
}

/**
 * A schema v2 reading over the firmware's default 60 s interval, keys in the firmware's order:
 * the id, then `measured` (the values, the anomaly score, whatever else the caller adds) in the
 * caller's order, then a health of all `ok`.
 */
export function healthyReading(id: ReadingId, measured: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { thing, boot, seq, ts } = id;
  return { v: TELEMETRY_SCHEMA_VERSION, thing, boot, seq, ts, interval_s: 60, ...measured, health: ALL_CHANNELS_OK };
}
