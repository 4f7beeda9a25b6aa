import type { Json } from "@duckdb/node-api";
import { DEFAULT_SCORER_CONFIG } from "../../../firmware/anomaly/ScorerConfig.ts";
import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels.ts";
import { LakeQuery } from "../../local-cloud/lake/LakeQuery.ts";
import { FORECAST_STEP_MS, type DeepArForecast } from "./DeepArForecast.ts";
import { HealthSpanBuilder, type HealthSpan } from "./HealthSpans.ts";
import { savedForecasts } from "./SavedForecasts.ts";

const HOUR_MS = 3_600_000;

/** Readings further apart than this many sampling intervals are not joined: the board was off. */
const GAP_INTERVALS = 3;

/** The report's columns, in this order: the one pass over the rows reads them by position. */
const TS = 1;
const INTERVAL_S = 2;
const ANOMALY = 3;
const VALUES = 4;
const HEALTH = VALUES + CHANNELS.length;
const COLUMNS = ["thing", "ts", "interval_s", "anomaly", ...CHANNELS.map((c) => c.name), ...CHANNELS.map((c) => `health_${c.name}`)];

export interface LakeReportOptions {
  readonly lakeDir: string;
  /** Readings of this many hours before the lake's newest one are drawn (default 48). */
  readonly windowHours?: number;
  /** A reading is marked when its anomaly score is at least this (default: the board's, DEFAULT_SCORER_CONFIG.threshold). */
  readonly threshold?: number;
  /** Forecasts drawn besides the ones saved in the lake's forecasts table, which they replace for the same series. */
  readonly forecasts?: readonly DeepArForecast[];
  /** The time the report says it was made (ms); the clock by default. */
  readonly now?: number;
  /**
   * Which boards to draw, given every board's name (sorted); all of them by default. Only the
   * chosen boards' readings are read, so a page of a large fleet costs what its boards cost.
   */
  readonly select?: (things: readonly string[]) => readonly string[];
}

/** What the page draws, also served as /data.json. Times are ms since the Unix epoch. */
export interface ReportData {
  readonly generatedAt: number;
  readonly lakeDir: string;
  readonly threshold: number;
  readonly windowHours: number;
  /** Readings in the whole lake: 0 means nothing has been curated yet. */
  readonly curatedReadings: number;
  /** Every board of the lake (and of the forecasts), drawn or not. */
  readonly fleetSize: number;
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
  /** Where the board sent nothing for more than GAP_INTERVALS sampling intervals: from the reading before to the reading after. */
  readonly gaps: readonly TimeSpan[];
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
  /**
   * The values a reader can trust: NULL in the lake (the channel was not ok) stays null, never
   * zero, and so does a value the lake holds beside a `warming` or `fault` health.
   */
  readonly values: readonly (number | null)[];
  /** Where the channel was warming up or in fault, oldest first. */
  readonly spans: readonly HealthSpan[];
  readonly forecast: ForecastBand | null;
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
  const lake = await LakeQuery.open(options.lakeDir);
  let forecasts: readonly DeepArForecast[] = options.forecasts ?? [];
  let latest: readonly (readonly Json[])[];
  let readings: readonly (readonly Json[])[];
  let windowTo: number | null = null;
  let fleet: readonly string[];
  let things: readonly string[];
  try {
    forecasts = [...(await savedForecasts(lake)), ...forecasts];
    latest = (await lake.run("SELECT thing, max(ts), count(*) FROM telemetry GROUP BY thing ORDER BY thing")).rows;
    windowTo = latest.reduce<number | null>((max, [, ts]) => Math.max(max ?? -Infinity, ts as number), null);
    fleet = [...new Set([...latest.map(([thing]) => thing as string), ...forecasts.map((f) => f.thing)])].sort();
    things = options.select ? options.select(fleet) : fleet;
    readings =
      windowTo === null || things.length === 0
        ? []
        : (
            await lake.run(
              `SELECT ${COLUMNS.join(", ")} FROM telemetry WHERE ts >= ${windowTo - windowHours * HOUR_MS} AND thing IN (${things.map(() => "?").join(", ")}) ORDER BY thing, ts, boot, seq`,
              things,
            )
          ).rows;
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
  const boards = things.map((thing) =>
    boardReport(
      thing,
      lastByThing.get(thing) ?? null,
      rowsByThing.get(thing) ?? [],
      threshold,
      forecasts.filter((f) => f.thing === thing),
    ),
  );

  const drawn = new Set(things);
  // The charts start at the oldest reading drawn, not at the window's edge: a young lake fills them.
  const edges = [
    ...boards.flatMap((b) => b.times.slice(0, 1)),
    ...(windowTo === null ? [] : [windowTo]),
    ...forecasts.filter((f) => drawn.has(f.thing)).flatMap((f) => [f.start, f.start + (f.mean.length - 1) * FORECAST_STEP_MS]),
  ];
  return {
    generatedAt: options.now ?? Date.now(),
    lakeDir: options.lakeDir,
    threshold,
    windowHours,
    curatedReadings: latest.reduce((n, row) => n + (row[2] as number), 0),
    fleetSize: fleet.length,
    span: edges.length === 0 ? null : { from: Math.min(...edges), to: Math.max(...edges) },
    boards,
  };
}

/** Everything a board's charts need, in one pass over its rows (a busy board has tens of thousands in the window). */
function boardReport(
  thing: string,
  lastReadingAt: number | null,
  rows: readonly (readonly Json[])[],
  threshold: number,
  forecasts: readonly DeepArForecast[],
): BoardReport {
  const times: number[] = [];
  const anomaly: (number | null)[] = [];
  const anomalyMarks: AnomalyMark[] = [];
  const gaps: TimeSpan[] = [];
  const values = CHANNELS.map((): (number | null)[] => []);
  const spans = CHANNELS.map(() => new HealthSpanBuilder());
  let usualSpacing: number | undefined;
  rows.forEach((row, i) => {
    const ts = row[TS] as number;
    const intervalS = row[INTERVAL_S] as number | null;
    const score = row[ANOMALY] as number | null;
    // Schema v1 readings were single reads, not interval averages, and carry no interval: such a
    // reading covers its instant only, and the board's usual spacing stands in for the interval
    // when looking for gaps.
    const start = intervalS === null ? ts : ts - intervalS * 1000;
    const intervalMs = intervalS === null ? (usualSpacing ??= medianSpacing(rows)) : intervalS * 1000;
    const previous = times.at(-1);
    if (previous !== undefined && ts - previous > GAP_INTERVALS * intervalMs) {
      gaps.push({ from: previous, to: ts });
      for (const channel of spans) channel.close();
    }
    times.push(ts);
    anomaly.push(score);
    if (score !== null && score >= threshold) anomalyMarks.push({ reading: i, ts, score });
    CHANNELS.forEach((_, c) => {
      const health = row[HEALTH + c] as string | null;
      // The firmware leaves a warming or faulty channel's value out, so the lake holds NULL there
      // and the band alone shows the stretch. The curation does not enforce that, though: a value
      // beside such a health (another producer, a bug) is not drawn, since a cell still warming
      // up reads far from the truth and the line would lend it a trust it has not earned.
      const trusted = health === null || health === "ok";
      values[c]!.push(trusted ? (row[VALUES + c] as number | null) : null);
      spans[c]!.add(start, ts, health);
    });
  });
  const channels = CHANNELS.map(({ name, unit }, c): ChannelSeries => {
    // A later forecast for the same series replaces an earlier one.
    const forecast = forecasts.filter((f) => f.channel === name).at(-1);
    return { channel: name, unit, values: values[c]!, spans: spans[c]!.finish(), forecast: forecast ? forecastBand(forecast) : null };
  });
  return { thing, lastReadingAt, times, gaps, anomaly, anomalyMarks, channels };
}

function medianSpacing(rows: readonly (readonly Json[])[]): number {
  // Two boots can stamp the same millisecond; a zero spacing says nothing about the interval.
  const spacings = rows
    .slice(1)
    .map((row, i) => (row[TS] as number) - (rows[i]![TS] as number))
    .filter((s) => s > 0)
    .sort((a, b) => a - b);
  return spacings.length === 0 ? Infinity : spacings[Math.floor(spacings.length / 2)]!;
}

function forecastBand(forecast: DeepArForecast): ForecastBand {
  return { times: forecast.mean.map((_, i) => forecast.start + i * FORECAST_STEP_MS), mean: forecast.mean, p10: forecast.p10, p90: forecast.p90 };
}
