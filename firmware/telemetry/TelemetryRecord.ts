/**
 * A reading as it goes on the wire (schema version 1, documented in docs/telemetry-schema.md).
 * A value that could not be read is absent, and `health` says why; it is never sent as zero.
 */
export type ChannelHealth = "ok" | "warming" | `fault:${string}`;

export interface TelemetryRecord {
  readonly v: 1;
  readonly thing: string;
  /** Increments at every power-on; with `seq` it identifies a reading for deduplication. */
  readonly boot: number;
  readonly seq: number;
  /** Unix epoch milliseconds when the reading was taken. */
  readonly ts: number;
  readonly temperature_c?: number;
  readonly humidity_pct?: number;
  readonly pm1_ugm3?: number;
  readonly pm2_5_ugm3?: number;
  readonly pm10_ugm3?: number;
  readonly health: Readonly<Record<string, ChannelHealth>>;
}

/** Rounds to a fixed number of decimals the same way on every engine. */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** The record's JSON, with keys in a fixed order so the bytes are the same on every engine. */
export function encodeTelemetry(record: TelemetryRecord): string {
  const ordered: Record<string, unknown> = { v: record.v, thing: record.thing, boot: record.boot, seq: record.seq, ts: record.ts };
  for (const key of ["temperature_c", "humidity_pct", "pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3"] as const) {
    if (record[key] !== undefined) ordered[key] = record[key];
  }
  const health: Record<string, ChannelHealth> = {};
  for (const channel of Object.keys(record.health).sort()) health[channel] = record.health[channel]!;
  ordered.health = health;
  return JSON.stringify(ordered);
}
