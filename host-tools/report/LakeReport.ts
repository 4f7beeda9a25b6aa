import type { Json } from "@duckdb/node-api";
import { DEFAULT_SCORER_CONFIG } from "../../firmware/anomaly/ScorerConfig.ts";
import { CHANNELS, type Channel } from "../../firmware/sampling/Channels.ts";
import { LakeQuery } from "../lake/LakeQuery.ts";
import { FORECAST_STEP_MS, type DeepArForecast } from "./DeepArForecast.ts";

const HOUR_MS = 3_600_000;

export interface LakeReportOptions {
  readonly lakeDir: string;
  /** Readings of this many hours before the lake's newest one are drawn (default 48). */
  readonly windowHours?: number;
  /** A reading is marked when its anomaly score is at least this (default: the board's, 0.025). */
  readonly threshold?: number;
  readonly forecasts?: readonly DeepArForecast[];
  /** The time the report says it was made (ms); the clock by default. */
  readonly now?: number;
}

/** What the page draws, also served as /data.json. Times are ms since the Unix epoch. */
export interface ReportData {
  readonly generatedAt: number;
  readonly lakeDir: string;
  readonly threshold: number;
  readonly windowHours: number;
  /** Readings in the whole lake: 0 means nothing has been curated yet. */
  readonly curatedReadings: number;
  /** The time span every chart shares: the oldest reading drawn to the newest reading or the last forecast value; null when there is nothing to draw. */
  readonly span: TimeSpan | null;
  readonly boards: readonly BoardReport[];
}

export interface TimeSpan {
  readonly from: number;
  readonly to: number;
}

export interface BoardReport {
  readonly thing: string;
  /** The board's newest reading anywhere in the lake, which may be older than the window. */
  readonly lastReadingAt: number | null;
  /** Each reading in the window, oldest first; the arrays below are parallel to it. */
  readonly times: readonly number[];
  readonly anomaly: readonly (number | null)[];
  readonly anomalyMarks: readonly AnomalyMark[];
  readonly channels: readonly ChannelSeries[];
}

export interface AnomalyMark {
  /** The reading's index in `times` and the channels' `values`. */
  readonly reading: number;
  readonly ts: number;
  readonly score: number;
}

export interface ChannelSeries {
  readonly channel: Channel;
  readonly unit: string;
  /** NULL in the lake (the channel was not ok) stays null: never drawn as zero. */
  readonly values: readonly (number | null)[];
  readonly faults: readonly FaultSpan[];
  readonly forecast: ForecastBand | null;
}

/** Consecutive readings whose channel health was the same fault. */
export interface FaultSpan {
  readonly from: number;
  readonly to: number;
  readonly health: string;
}

export interface ForecastBand {
  readonly times: readonly number[];
  readonly mean: readonly number[];
  readonly p10: readonly number[];
  readonly p90: readonly number[];
}

/** Reads the curated lake (the `telemetry` view) and any forecasts into what the report draws. */
export async function readLakeReport(options: LakeReportOptions): Promise<ReportData> {
  const windowHours = options.windowHours ?? 48;
  const threshold = options.threshold ?? DEFAULT_SCORER_CONFIG.threshold;
  if (!(windowHours > 0)) throw new RangeError(`report window must be a positive number of hours, got ${windowHours}`);
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`anomaly threshold must be within 0 … 1, got ${threshold}`);
  const forecasts = options.forecasts ?? [];
  const lake = await LakeQuery.open(options.lakeDir);
  let latest: readonly (readonly Json[])[];
  let readings: readonly (readonly Json[])[];
  let windowTo: number | null = null;
  try {
    latest = (await lake.run("SELECT thing, max(ts), count(*) FROM telemetry GROUP BY thing ORDER BY thing")).rows;
    windowTo = latest.reduce<number | null>((max, [, ts]) => Math.max(max ?? -Infinity, ts as number), null);
    const columns = ["thing", "ts", "anomaly", ...CHANNELS.map((c) => c.name), ...CHANNELS.map((c) => `health_${c.name}`)].join(", ");
    readings = windowTo === null ? [] : (await lake.run(`SELECT ${columns} FROM telemetry WHERE ts >= ${windowTo - windowHours * HOUR_MS} ORDER BY thing, ts, boot, seq`)).rows;
  } finally {
    lake.close();
  }

  const rowsByThing = new Map<string, (readonly Json[])[]>();
  for (const row of readings) {
    const thing = row[0] as string;
    const rows = rowsByThing.get(thing) ?? [];
    rows.push(row);
    rowsByThing.set(thing, rows);
  }
  const lastByThing = new Map(latest.map(([thing, ts]) => [thing as string, ts as number]));
  const things = [...new Set([...lastByThing.keys(), ...forecasts.map((f) => f.thing)])].sort();
  const boards = things.map((thing) => boardReport(thing, lastByThing.get(thing) ?? null, rowsByThing.get(thing) ?? [], threshold, forecasts.filter((f) => f.thing === thing)));

  // The charts start at the oldest reading drawn, not at the window's edge: a young lake fills them.
  const edges = [...boards.flatMap((b) => b.times.slice(0, 1)), ...(windowTo === null ? [] : [windowTo]), ...forecasts.flatMap((f) => [f.start, f.start + (f.mean.length - 1) * FORECAST_STEP_MS])];
  return {
    generatedAt: options.now ?? Date.now(),
    lakeDir: options.lakeDir,
    threshold,
    windowHours,
    curatedReadings: latest.reduce((n, row) => n + (row[2] as number), 0),
    span: edges.length === 0 ? null : { from: Math.min(...edges), to: Math.max(...edges) },
    boards,
  };
}

function boardReport(thing: string, lastReadingAt: number | null, rows: readonly (readonly Json[])[], threshold: number, forecasts: readonly DeepArForecast[]): BoardReport {
  const times = rows.map((row) => row[1] as number);
  const anomaly = rows.map((row) => row[2] as number | null);
  const anomalyMarks = anomaly.flatMap((score, i) => (score !== null && score >= threshold ? [{ reading: i, ts: times[i]!, score }] : []));
  const channels = CHANNELS.map(({ name, unit }, c): ChannelSeries => {
    const values = rows.map((row) => row[3 + c] as number | null);
    const health = rows.map((row) => row[3 + CHANNELS.length + c] as string | null);
    // A later forecast for the same series replaces an earlier one.
    const forecast = forecasts.filter((f) => f.channel === name).at(-1);
    return { channel: name, unit, values, faults: faultSpans(times, health), forecast: forecast ? forecastBand(forecast) : null };
  });
  return { thing, lastReadingAt, times, anomaly, anomalyMarks, channels };
}

function faultSpans(times: readonly number[], health: readonly (string | null)[]): FaultSpan[] {
  const spans: FaultSpan[] = [];
  health.forEach((h, i) => {
    if (h === null || !h.startsWith("fault:")) return;
    const last = spans.at(-1);
    if (last && last.health === h && health[i - 1] === h) spans[spans.length - 1] = { ...last, to: times[i]! };
    else spans.push({ from: times[i]!, to: times[i]!, health: h });
  });
  return spans;
}

function forecastBand(forecast: DeepArForecast): ForecastBand {
  return { times: forecast.mean.map((_, i) => forecast.start + i * FORECAST_STEP_MS), mean: forecast.mean, p10: forecast.p10, p90: forecast.p90 };
}
