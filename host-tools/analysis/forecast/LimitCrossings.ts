import type { Channel } from "../../../firmware/telemetry/Channels.ts";
import { loadPollutantLimits, type PollutantLimit } from "../../../cloud/lib/pollutantLimits.ts";
import { HOUR_MS } from "./HourlyMeans.ts";

/** Where a forecast first crosses its pollutant's WHO 2021 guideline level. */
export interface LimitCrossing {
  readonly pollutant: string;
  readonly level: number;
  readonly averagingHours: number;
  /** Start of the first window whose forecast mean is above the level, ms since the Unix epoch. */
  readonly from: number;
  /** The highest window mean of the forecast, 2 decimals. */
  readonly forecastMean: number;
}

/** What limitCrossing needs of a forecast: its series, the hour of its first value and the hourly means. */
export interface HourlyForecast {
  readonly channel: Channel;
  /** ms since the Unix epoch. */
  readonly start: number;
  readonly mean: readonly number[];
}

/**
 * The guidelines are for means over 8 or 24 hours, so an hour above the level is no crossing:
 * the forecast crosses when the mean of some full window of `averagingHours` consecutive hours is
 * above it. The same rule as the named query forecast-limit-crossings, which the tests check
 * against this. Null for a channel without a guideline (PM1, the weather) or no crossing.
 */
export function limitCrossing(forecast: HourlyForecast, limits: readonly PollutantLimit[] = loadPollutantLimits()): LimitCrossing | null {
  const limit = limits.find((l) => l.channel === forecast.channel);
  if (!limit) return null;
  const n = limit.averagingHours;
  let from: number | null = null;
  let highest = -Infinity;
  for (let i = 0; i + n <= forecast.mean.length; i++) {
    const mean = forecast.mean.slice(i, i + n).reduce((sum, v) => sum + v, 0) / n;
    if (mean > limit.level) {
      from ??= forecast.start + i * HOUR_MS;
      highest = Math.max(highest, mean);
    }
  }
  if (from === null) return null;
  return { pollutant: limit.pollutant, level: limit.level, averagingHours: n, from, forecastMean: Math.round(highest * 100) / 100 };
}
