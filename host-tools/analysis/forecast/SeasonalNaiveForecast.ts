import { FORECAST_HOURS } from "../../../cloud/lib/forecastHorizon.ts";
import type { Channel } from "../../../firmware/telemetry/Channels.ts";
import { HOUR_MS, type HourlyMean } from "./HourlyMeans.ts";

const DAY_MS = 24 * HOUR_MS;
/** The pollutants DeepAR forecasts (cloud/sagemaker/prepare_training_data.py POLLUTANTS): the weather channels are not. */
export const POLLUTANTS: readonly Channel[] = ["pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3", "co_ppb", "no2_ppb", "so2_ppb", "o3_ppb"];

export const SEASONAL_NAIVE_METHOD =
  "seasonal naive by hour of day: each forecast hour takes the hourly means of the same UTC hour on the previous 7 days; mean = their mean, 0.5 = their median, 0.1 and 0.9 = their quantiles (linear interpolation between order statistics)";

/**
 * A forecast in the shape of a SageMaker DeepAR endpoint's JSON response (`predictions`: one
 * entry, `mean` and `quantiles` keyed "0.1", "0.5", "0.9", as the cloud's endpoint is configured
 * to return them), plus what the response leaves to the caller: the series (`thing`, `channel`,
 * and `id`, DeepAR's series id `thing/channel`) and `start`, the UTC hour of the first value.
 * Value i of every array is the hour starting at start + i hours (`freq` "H", DeepAR's hourly
 * frequency); all arrays have FORECAST_HOURS values.
 */
export interface DeepArShapedForecast {
  readonly thing: string;
  readonly channel: Channel;
  readonly id: string;
  /** ISO 8601 UTC, on the hour. */
  readonly start: string;
  readonly freq: "H";
  readonly method: string;
  readonly predictions: readonly [
    {
      readonly mean: readonly number[];
      readonly quantiles: { readonly "0.1": readonly number[]; readonly "0.5": readonly number[]; readonly "0.9": readonly number[] };
    },
  ];
}

export class TooLittleHistory extends Error {}

export interface SeasonalNaiveOptions {
  /** Days back that the same hour is taken from. @default 7 */
  readonly days?: number;
  /** Of those days, how many must have a value at every forecast hour: fewer cannot give a 10–90 % band worth the name. @default 3 */
  readonly minDays?: number;
}

/**
 * The next FORECAST_HOURS hours after the last hour with data, by the seasonal-naive baseline
 * (SEASONAL_NAIVE_METHOD). A forecast hour with fewer than `minDays` values among its previous
 * `days` days is refused, naming the thing, the channel and the hour.
 */
export function seasonalNaiveForecast(
  thing: string,
  channel: Channel,
  hourly: readonly HourlyMean[],
  options: SeasonalNaiveOptions = {},
): DeepArShapedForecast {
  const days = options.days ?? 7;
  const minDays = options.minDays ?? 3;
  if (!(Number.isInteger(days) && days >= 1)) throw new RangeError(`seasonal naive forecast: days must be a whole number ≥ 1, got ${days}`);
  if (!(Number.isInteger(minDays) && minDays >= 1 && minDays <= days))
    throw new RangeError(`seasonal naive forecast: minDays must be a whole number from 1 to days (${days}), got ${minDays}`);
  if (hourly.length === 0) throw new TooLittleHistory(`${thing} ${channel}: no readings of this channel in the curated lake`);
  const byHour = new Map(hourly.map((h) => [h.hour, h.value]));
  const lastHour = Math.max(...hourly.map((h) => h.hour));
  const start = lastHour + HOUR_MS;
  const mean: number[] = [];
  const p10: number[] = [];
  const p50: number[] = [];
  const p90: number[] = [];
  for (let i = 0; i < FORECAST_HOURS; i++) {
    const hour = start + i * HOUR_MS;
    const same: number[] = [];
    for (let d = 1; d <= days; d++) {
      const value = byHour.get(hour - d * DAY_MS);
      if (value !== undefined) same.push(value);
    }
    if (same.length < minDays) {
      throw new TooLittleHistory(
        `${thing} ${channel}: too little history for a seasonal-naive forecast: ${new Date(hour).toISOString().slice(11, 16)} UTC has values on ${same.length} of the previous ${days} days, needs ${minDays} (hourly data from ${new Date(hourly[0]!.hour).toISOString()} to ${new Date(lastHour).toISOString()})`,
      );
    }
    same.sort((a, b) => a - b);
    mean.push(round(same.reduce((sum, v) => sum + v, 0) / same.length));
    p10.push(round(quantile(same, 0.1)));
    p50.push(round(quantile(same, 0.5)));
    p90.push(round(quantile(same, 0.9)));
  }
  return {
    thing,
    channel,
    id: `${thing}/${channel}`,
    start: new Date(start).toISOString(),
    freq: "H",
    method: SEASONAL_NAIVE_METHOD,
    predictions: [{ mean, quantiles: { "0.1": p10, "0.5": p50, "0.9": p90 } }],
  };
}

/** Linear interpolation between order statistics of an ascending sample (Hyndman and Fan's type 7, numpy's default). */
function quantile(ascending: readonly number[], q: number): number {
  const position = (ascending.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, ascending.length - 1);
  return ascending[below]! + (position - below) * (ascending[above]! - ascending[below]!);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
