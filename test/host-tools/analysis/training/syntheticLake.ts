/**
 * Curated lakes of made-up readings for the training and forecast tests: v2 records as the board
 * publishes them, written as raw Firehose objects (one per thing and UTC day) and curated by the
 * real LakeCurator, so the tests read the lake the way the commands do.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CHANNELS, type Channel } from "../../../../firmware/telemetry/Channels.ts";
import { LakeCurator } from "../../../../host-tools/local-cloud/lake/LakeCurator.ts";
import { objectKey, writeObjects } from "../../local-cloud/lake/rawFixture.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A Monday, 00:00 UTC: day k of a fixture starts at T0 + k days. */
export const T0 = Date.UTC(2026, 0, 5);

export interface SyntheticSeries {
  readonly thing: string;
  readonly from: number;
  readonly count: number;
  readonly intervalMs: number;
  readonly boot?: number;
  /** The channel's value at ts; undefined leaves it out of the record (not ok). */
  readonly valueOf: (channel: Channel, ts: number) => number | undefined;
}

/** A repeatable noise in [−1, 1) for (channel, ts): the tests need the same readings every run. */
export function noise(channel: Channel, ts: number): number {
  let h = 2166136261;
  for (const ch of `${channel}@${ts}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return (h >>> 0) / 2 ** 31 - 1;
}

export function records(series: SyntheticSeries): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < series.count; i++) {
    const ts = series.from + i * series.intervalMs;
    const record: Record<string, unknown> = {
      v: 2,
      thing: series.thing,
      boot: series.boot ?? 1,
      seq: i + 1,
      ts,
      interval_s: series.intervalMs / 1000,
      topic_thing: series.thing,
      received_at: ts + 400,
    };
    const health: Record<string, string> = {};
    for (const { name, decimals } of CHANNELS) {
      const value = series.valueOf(name, ts);
      if (value === undefined) health[name] = "fault:read";
      else {
        health[name] = "ok";
        record[name] = Number(value.toFixed(decimals));
      }
    }
    record.health = health;
    out.push(record);
  }
  return out;
}

/** A state folder whose lake holds these records, curated. */
export async function curatedState(all: readonly Record<string, unknown>[]): Promise<string> {
  const stateDir = mkdtempSync(path.join(tmpdir(), "aqm-train-"));
  const objects: Record<string, string[]> = {};
  for (const record of all) {
    const ts = record.ts as number;
    const key = objectKey(Math.floor(ts / DAY) * DAY, String(record.thing));
    (objects[key] ??= []).push(JSON.stringify(record));
  }
  const lakeDir = path.join(stateDir, "lake");
  writeObjects(lakeDir, objects);
  const report = await new LakeCurator({ lakeDir }).curate();
  if (report.quarantined > 0) throw new Error(`synthetic lake: ${report.quarantined} records quarantined: ${report.reasons.map((r) => r.reason).join("; ")}`);
  return stateDir;
}
