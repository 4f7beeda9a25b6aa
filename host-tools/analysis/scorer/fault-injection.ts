import type { AirQualityRows } from "./air-quality-csv.ts";
import { mulberry32 } from "./Mulberry32.ts";

/**
 * Sensor faults injected into real air-quality series as labelled windows, for a benchmark
 * scored like NAB. Each series is a stretch of one station's hourly rows with one fault on one
 * channel; the same stretch without the fault is kept beside it, so every figure has its chance
 * level: the same count on the same windows with nothing injected.
 */
export const FAULT_KINDS = ["spike", "stuck", "dropout", "step", "drift", "swap"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Rows from onset in which a flag counts as detecting the fault: NAB's window, which pays most at
 * its left edge. A spike is one reading, so only the next couple of readings are still news; a
 * drift gains its full size over 72 rows, so a flag up to a day after that still counts.
 */
export const FAULT_WINDOWS: Readonly<Record<FaultKind, number>> = Object.freeze({ spike: 3, stuck: 48, dropout: 24, step: 24, drift: 96, swap: 24 });

export interface FaultSeries {
  /** "<station>/<first row of the stretch>". */
  readonly name: string;
  readonly station: string;
  readonly kind: FaultKind;
  readonly channel: number;
  /** The channel exchanged with `channel` in a swap. */
  readonly partner: number;
  readonly clean: readonly (readonly number[])[];
  readonly faulty: readonly (readonly number[])[];
  readonly secondsOfDay: readonly number[];
  readonly onset: number;
  /** Last row of the window, inclusive. */
  readonly windowEnd: number;
  /** Index of the PM2.5 channel, for telling real pollution episodes apart; −1 where the data has none. */
  readonly episodeChannel: number;
}

function finiteValues(rows: readonly (readonly number[])[], channel: number, from: number, to: number): number[] {
  const values: number[] = [];
  for (let row = from; row < to; row++) {
    const value = rows[row]?.[channel] as number;
    if (Number.isFinite(value)) values.push(value);
  }
  return values;
}

function standardDeviation(values: readonly number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
}

/**
 * A copy of rows with one fault of `kind` from onset on channel. Sizes are in the channel's
 * standard deviation over the rows before onset, so they mean the same for PM and temperature.
 * Spike, stuck and dropout end by themselves; a step, a drift and a swap last to the end of the
 * stretch, as a miscalibrated or miswired sensor does until someone comes.
 */
export function injectFault(rows: readonly (readonly number[])[], kind: FaultKind, channel: number, onset: number, partner: number): number[][] {
  const faulty = rows.map((row) => [...row]);
  const sigma = standardDeviation(finiteValues(rows, channel, 0, onset));
  const shift = (row: number, by: number) => {
    const target = faulty[row] as number[];
    target[channel] = (target[channel] as number) + by;
  };
  const set = (row: number, value: number) => ((faulty[row] as number[])[channel] = value);
  const end = faulty.length;
  switch (kind) {
    case "spike":
      shift(onset, 6 * sigma);
      break;
    case "stuck": {
      const frozen = finiteValues(rows, channel, 0, onset).at(-1) as number;
      for (let row = onset; row < Math.min(end, onset + 48); row++) set(row, frozen);
      break;
    }
    case "dropout":
      // A sensor that loses its supply or its fan reads its floor, 0, until it comes back.
      for (let row = onset; row < Math.min(end, onset + 24); row++) set(row, 0);
      break;
    case "step":
      for (let row = onset; row < end; row++) shift(row, 3 * sigma);
      break;
    case "drift":
      // A sensor ageing fast: 3σ of offset gained linearly over three days.
      for (let row = onset; row < end; row++) shift(row, Math.min(1, (row - onset) / 72) * 3 * sigma);
      break;
    case "swap":
      // Two sensors plugged into each other's sockets: each channel reports the other's quantity.
      for (let row = onset; row < end; row++) {
        const target = faulty[row] as number[];
        const mine = target[channel] as number;
        target[channel] = target[partner] as number;
        target[partner] = mine;
      }
      break;
  }
  return faulty;
}

export interface FaultSeriesPlan {
  /** Rows in each series. */
  readonly length: number;
  /** Rows between the starts of consecutive series of a station (series overlap when stride < length). */
  readonly stride: number;
  /** Onsets are drawn uniformly from [onsetFrom, onsetTo]. */
  readonly onsetFrom: number;
  readonly onsetTo: number;
  readonly seed: number;
}

/** Channels with a reading at onset − 1 and in at least half the rows of the window. */
function usable(rows: readonly (readonly number[])[], channel: number, onset: number, windowEnd: number): boolean {
  const before = finiteValues(rows, channel, 0, onset);
  return (
    Number.isFinite(rows[onset - 1]?.[channel] as number) &&
    Number.isFinite(rows[onset]?.[channel] as number) &&
    before.length >= onset / 2 &&
    standardDeviation(before) > 0 &&
    2 * finiteValues(rows, channel, onset, windowEnd + 1).length >= windowEnd + 1 - onset
  );
}

/**
 * Cuts a station's rows into series and injects one fault in each, the kinds taken in turn so
 * every kind is equally represented; channel, partner and onset are drawn from a seeded
 * generator. A stretch where no drawn channel has the data the fault needs is skipped.
 */
export function buildFaultSeries(station: string, data: AirQualityRows, plan: FaultSeriesPlan): FaultSeries[] {
  if (plan.onsetTo + Math.max(...Object.values(FAULT_WINDOWS)) > plan.length)
    throw new RangeError(`fault windows from onset ${plan.onsetTo} run past the series' ${plan.length} rows`);
  const random = mulberry32(plan.seed);
  const channels = data.channels.length;
  const episodeChannel = data.channels.indexOf("PM2.5");
  const series: FaultSeries[] = [];
  let turn = 0;
  for (let start = 0; start + plan.length <= data.rows.length; start += plan.stride) {
    const clean = data.rows.slice(start, start + plan.length);
    const kind = FAULT_KINDS[turn % FAULT_KINDS.length] as FaultKind;
    const onset = plan.onsetFrom + Math.floor(random() * (plan.onsetTo - plan.onsetFrom + 1));
    const windowEnd = onset + FAULT_WINDOWS[kind] - 1;
    for (let attempt = 0; attempt < 2 * channels; attempt++) {
      const channel = Math.floor(random() * channels);
      const partner = (channel + 1 + Math.floor(random() * (channels - 1))) % channels;
      if (!usable(clean, channel, onset, windowEnd) || (kind === "swap" && !usable(clean, partner, onset, windowEnd))) continue;
      const faulty = injectFault(clean, kind, channel, onset, partner);
      series.push({
        name: `${station}/${start}`,
        station,
        kind,
        channel,
        partner,
        clean,
        faulty,
        secondsOfDay: data.secondsOfDay.slice(start, start + plan.length),
        onset,
        windowEnd,
        episodeChannel,
      });
      turn++;
      break;
    }
  }
  return series;
}
