/**
 * The board threshold that flags a given share p of readings, t(p), measured by running the float
 * twin of the board's scorer over a long synthetic series. The board's score is the surprise's
 * rise over a decaying peak, so there is no closed form from a rate to a threshold; this table is
 * what the cloud's threshold calibration (cloud/lambda/calibrate_thresholds.py) interpolates for a
 * board with too few scores of its own to fit a threshold on.
 *
 *   node --import tsx host-tools/analysis/scorer/ThresholdTable.ts           prints the table
 *   node --import tsx host-tools/analysis/scorer/ThresholdTable.ts --write   writes cloud/lambda/threshold_table.json
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Q16_ONE } from "../../../firmware/anomaly/Q16.ts";
import { DEFAULT_SCORER_CONFIG, type ScorerConfig } from "../../../firmware/anomaly/ScorerConfig.ts";
import { FloatScorer } from "./FloatScorer.ts";
import { mulberry32 } from "./Mulberry32.ts";

/** Shipped beside the Lambda's handler, inside its code asset. */
export const THRESHOLD_TABLE_FILE = fileURLToPath(new URL("../../../cloud/lambda/threshold_table.json", import.meta.url));

/**
 * Shares of readings the table is measured at. It stops at 2 %, where the calibration clamps the
 * rate (MAX_RATE in cloud/lambda/calibrate_thresholds.py): on plain noise about 12 % of readings score
 * above 0 at all (a model's rise over its peak, a jump's grade; every other one scores 0), so rates
 * near that have no threshold.
 */
export const TABLE_RATES: readonly number[] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02];

export interface SyntheticSeries {
  readonly seed: number;
  readonly days: number;
  readonly readingSeconds: number;
  /** Days scored but left out of the table, while the peaks learnt in warm-up decay: by 2^−12 a reading they halve in about two days at one reading a minute. */
  readonly settleDays: number;
  /** Each channel's daily swing (sine amplitude) in units of its noise's standard deviation. */
  readonly dailyAmplitudes: readonly number[];
}

export const TABLE_SERIES: SyntheticSeries = {
  seed: 20261123,
  days: 180,
  readingSeconds: 60,
  settleDays: 3,
  dailyAmplitudes: [0.5, 1, 2, 3, 4, 5, 6, 7, 8],
};

export type TableScorerConfig = Omit<ScorerConfig, "threshold">;

export interface RateThreshold {
  readonly rate: number;
  /** On the board's Q0.16 grid, so the board flags exactly the counted readings. */
  readonly threshold: number;
}

export interface ThresholdTable {
  readonly note: string;
  readonly config: TableScorerConfig;
  /** The threshold a board runs with until the cloud publishes one (DEFAULT_SCORER_CONFIG.threshold): the quality gate judges a first candidate against it. */
  readonly defaultThreshold: number;
  readonly series: SyntheticSeries;
  readonly scoredReadings: number;
  readonly thresholds: readonly RateThreshold[];
}

const NOTE =
  "t(p): the lowest board threshold (a multiple of 1/65536, as the board compares it) that the combined score of at most a share p of readings reaches. " +
  "Made by host-tools/analysis/scorer/ThresholdTable.ts (`node --import tsx host-tools/analysis/scorer/ThresholdTable.ts --write`): the float twin (host-tools/analysis/scorer/FloatScorer.ts) with this config, " +
  "over one reading a minute of Gaussian noise (standard deviation 1) around a daily sine cycle on every channel (amplitudes in noise units, phases spread over the day), from a seeded mulberry32 generator; " +
  "the first settleDays are scored but not counted. defaultThreshold is the board's own (DEFAULT_SCORER_CONFIG.threshold), the one a board uses until the cloud publishes one. Do not edit by hand: test/host-tools/analysis/scorer/threshold-table.test.ts regenerates it and compares.";

/** Box–Muller: both values of each pair are used, so every draw costs half a pair. */
function seededGaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/** The combined score of every counted reading, floored to the board's Q0.16 scale. */
export function syntheticScoresQ16(config: TableScorerConfig, series: SyntheticSeries): Int32Array {
  if (series.dailyAmplitudes.length !== config.channels) {
    throw new RangeError(`threshold table: series.dailyAmplitudes has ${series.dailyAmplitudes.length} entries, expected one per channel (${config.channels})`);
  }
  // Any threshold: only the scores are used, and the scorer never reads it.
  const scorer = new FloatScorer({ ...config, threshold: DEFAULT_SCORER_CONFIG.threshold });
  const noise = seededGaussian(series.seed);
  const perDay = 86_400 / series.readingSeconds;
  const skipped = series.settleDays * perDay;
  const scores = new Int32Array(series.days * perDay - skipped);
  const row = new Array<number>(config.channels);
  for (let reading = 0; reading < series.days * perDay; reading++) {
    const secondOfDay = (reading % perDay) * series.readingSeconds;
    for (let channel = 0; channel < config.channels; channel++) {
      const phase = (2 * Math.PI * channel) / config.channels;
      // A level per channel, as sensors have; the float scorer's score does not depend on it.
      row[channel] = 100 * (channel + 1) + (series.dailyAmplitudes[channel] as number) * Math.sin((2 * Math.PI * secondOfDay) / 86_400 + phase) + noise();
    }
    const score = scorer.score(row, 0, secondOfDay);
    if (reading >= skipped) scores[reading - skipped] = Math.floor(score * Q16_ONE);
  }
  return scores;
}

/**
 * The lowest Q0.16 threshold that at most floor(rate · n) of these scores reach: one step above the
 * next-highest score, so ties there stay below it.
 */
export function thresholdQ16ForRate(scoresQ16: ArrayLike<number>, rate: number): number {
  const descending = Int32Array.from(scoresQ16).sort().reverse();
  const allowed = Math.floor(rate * descending.length);
  if (!(rate > 0) || allowed >= descending.length)
    throw new RangeError(`threshold table: rate ${rate} is not a share in (0, 1) of ${descending.length} scores`);
  const next = descending[allowed] as number;
  if (next === 0) {
    const rising = descending.findIndex((score) => score === 0);
    throw new RangeError(
      `threshold table: rate ${rate} has no threshold; only ${rising} of ${descending.length} scores are above 0 (share ${(rising / descending.length).toFixed(4)})`,
    );
  }
  return next + 1;
}

export function thresholdTable(
  config: TableScorerConfig = withoutThreshold(DEFAULT_SCORER_CONFIG),
  series: SyntheticSeries = TABLE_SERIES,
  rates: readonly number[] = TABLE_RATES,
): ThresholdTable {
  const scores = syntheticScoresQ16(config, series);
  return {
    note: NOTE,
    config,
    defaultThreshold: DEFAULT_SCORER_CONFIG.threshold,
    series,
    scoredReadings: scores.length,
    thresholds: rates.map((rate) => ({ rate, threshold: thresholdQ16ForRate(scores, rate) / Q16_ONE })),
  };
}

function withoutThreshold({ threshold: _threshold, ...rest }: ScorerConfig): TableScorerConfig {
  return rest;
}

/** The file's exact text: the test compares it byte for byte. */
export function thresholdTableJson(table: ThresholdTable): string {
  return `${JSON.stringify(table, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== "--write");
  if (unknown.length > 0) {
    console.error(`ThresholdTable: unknown argument ${unknown.join(" ")}; the only option is --write`);
    process.exit(2);
  }
  const json = thresholdTableJson(thresholdTable());
  if (args.includes("--write")) {
    writeFileSync(THRESHOLD_TABLE_FILE, json);
    console.log(`threshold table written to ${THRESHOLD_TABLE_FILE}`);
  } else {
    process.stdout.write(json);
  }
}
