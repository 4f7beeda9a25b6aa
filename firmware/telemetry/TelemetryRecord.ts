/**
 * A reading as it goes on the wire (schema version 2, documented in docs/telemetry-schema.md).
 * A value that could not be read correctly is absent, and `health` says why; it is never sent as zero.
 */
import { CHANNELS, type Channel } from "./Channels";

/** `ok`, `warming` (not yet trustworthy, so left out), or `fault:<code>` with a code from FaultCode. */
export type ChannelHealth = "ok" | "warming" | `fault:${string}`;

export const TELEMETRY_SCHEMA_VERSION = 2;

export interface TelemetryRecord {
  readonly v: typeof TELEMETRY_SCHEMA_VERSION;
  readonly thing: string;
  /** Increments at every power-on; with `seq` it identifies a reading for deduplication. */
  readonly boot: number;
  readonly seq: number;
  /** Unix epoch milliseconds at the end of the averaging interval. */
  readonly ts: number;
  /** The averaging interval the values cover, seconds. */
  readonly interval_s: number;
  /** Mean of the interval's good reads per channel; the unit is in the channel's name. */
  readonly values: Readonly<Partial<Record<Channel, number>>>;
  /** Every channel, always. */
  readonly health: Readonly<Record<Channel, ChannelHealth>>;
  /** The on-board anomaly scorer's combined score, 0 … 1; left out when the board does not score. */
  readonly anomaly?: number;
}

/** Rounds to a fixed number of decimals the same way on every engine. */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/**
 * The record's JSON: flat, so the lake's schema has one column per channel, and with keys in a
 * fixed order so the bytes are the same on every engine.
 */
export function encodeTelemetry(record: TelemetryRecord): string {
  const ordered: Record<string, unknown> = {
    v: record.v,
    thing: record.thing,
    boot: record.boot,
    seq: record.seq,
    ts: record.ts,
    interval_s: record.interval_s,
  };
  for (const channel of CHANNELS) {
    const value = record.values[channel.name];
    if (value !== undefined) ordered[channel.name] = roundTo(value, channel.decimals);
  }
  if (record.anomaly !== undefined) ordered.anomaly = roundTo(record.anomaly, 4);
  const health: Record<string, ChannelHealth> = {};
  for (const channel of CHANNELS) health[channel.name] = record.health[channel.name];
  ordered.health = health;
  return JSON.stringify(ordered);
}
