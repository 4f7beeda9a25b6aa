import type { AirQualityRows } from "./air-quality-csv.ts";
import { mulberry32 } from "./Mulberry32.ts";

/**
 * Field faults injected into clean air-quality data, to measure the scorer on the failures a
 * board actually meets. Each trial is a fresh scorer over a stretch of real data with one fault.
 */

export const FAULT_KINDS = ["spike", "drift", "stuck", "step", "swap"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Trial {
  readonly kind: FaultKind;
  readonly channel: number;
  /** Rows of the stretch, one array of channel values per row, with the fault applied. */
  readonly rows: number[][];
  /** Each row's second of the day, for the scorer's seasonal profile. */
  readonly secondsOfDay: readonly number[];
  /** First faulty row. */
  readonly onset: number;
  /** Rows after onset in which a flag counts as detecting this fault. */
  readonly window: number;
}

export interface KindResult {
  readonly kind: FaultKind;
  readonly trials: number;
  readonly detected: number;
  readonly falseAlarms: number;
  readonly precision: number;
  readonly recall: number;
  /** Median rows from onset to the first flag, over detected trials. */
  readonly medianDelay: number;
}

function standardDeviation(rows: readonly (readonly number[])[], channel: number): number {
  const values = rows.map((row) => row[channel] as number).filter(Number.isFinite);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
}

/**
 * Applies one fault of `kind` to a copy of rows, starting at onset on channel. Sizes are in the
 * channel's standard deviation over the stretch, so they mean the same for PM and temperature.
 * Durations are in rows (hours for the Beijing data).
 */
export function injectFault(
  rows: readonly (readonly number[])[],
  secondsOfDay: readonly number[],
  kind: FaultKind,
  channel: number,
  onset: number,
  otherChannel: number,
): Trial {
  const faulty = rows.map((row) => [...row]);
  const trial = { kind, channel, rows: faulty, secondsOfDay, onset };
  const sigma = standardDeviation(rows, channel);
  const set = (row: number, value: number) => {
    const target = faulty[row];
    if (target) target[channel] = value;
  };
  const at = (row: number) => faulty[row]?.[channel] as number;
  switch (kind) {
    case "spike":
      set(onset, at(onset) + 6 * sigma);
      return { ...trial, window: 3 };
    case "drift":
      // A sensor ageing fast: 3σ of offset gained linearly over three days.
      for (let row = onset; row < faulty.length; row++) set(row, at(row) + Math.min(1, (row - onset) / 72) * 3 * sigma);
      return { ...trial, window: 96 };
    case "stuck": {
      const frozen = at(onset - 1);
      for (let row = onset; row < Math.min(faulty.length, onset + 48); row++) set(row, frozen);
      return { ...trial, window: 48 };
    }
    case "step":
      for (let row = onset; row < faulty.length; row++) set(row, at(row) + 3 * sigma);
      return { ...trial, window: 24 };
    case "swap":
      // Two sensors plugged into each other's sockets: each channel reports the other's gas.
      for (let row = onset; row < faulty.length; row++) {
        const target = faulty[row] as number[];
        const mine = target[channel] as number;
        target[channel] = target[otherChannel] as number;
        target[otherChannel] = mine;
      }
      return { ...trial, window: 24 };
  }
}

/**
 * Builds trialsPerKind trials of every kind from random stretches of rows: a stretch of
 * `length` rows, the fault starting at `onset` (after the scorer's warm-up).
 */
export function buildTrials(data: AirQualityRows, trialsPerKind: number, length: number, onset: number, seed: number): Trial[] {
  const { rows, secondsOfDay } = data;
  if (rows.length < length) throw new RangeError(`need at least ${length} rows of clean data, got ${rows.length}`);
  const random = mulberry32(seed);
  const channels = rows[0]?.length ?? 0;
  const trials: Trial[] = [];
  for (const kind of FAULT_KINDS) {
    for (let trial = 0; trial < trialsPerKind; trial++) {
      const start = Math.floor(random() * (rows.length - length + 1));
      const channel = Math.floor(random() * channels);
      const otherChannel = (channel + 1 + Math.floor(random() * (channels - 1))) % channels;
      trials.push(injectFault(rows.slice(start, start + length), secondsOfDay.slice(start, start + length), kind, channel, onset, otherChannel));
    }
  }
  return trials;
}

/** Anything that scores one row of channel values, at its second of the day, and says whether that row is flagged. */
export type RowFlagger = () => (row: readonly number[], secondOfDay: number) => boolean;

/**
 * Runs a fresh detector over every trial. The first flag inside a trial's window detects the
 * fault; every other flag from row `cleanFrom` on (the end of warm-up) is a false alarm.
 */
export function evaluateTrials(trials: readonly Trial[], detector: RowFlagger, cleanFrom: number): KindResult[] {
  return FAULT_KINDS.map((kind) => {
    const ofKind = trials.filter((trial) => trial.kind === kind);
    let detected = 0;
    let falseAlarms = 0;
    const delays: number[] = [];
    for (const trial of ofKind) {
      const flags = detector();
      let found = false;
      trial.rows.forEach((row, index) => {
        const flagged = flags(row, trial.secondsOfDay[index] ?? 0);
        if (!flagged || index < cleanFrom) return;
        if (!found && index >= trial.onset && index < trial.onset + trial.window) {
          found = true;
          delays.push(index - trial.onset);
        } else {
          falseAlarms++;
        }
      });
      if (found) detected++;
    }
    delays.sort((a, b) => a - b);
    return {
      kind,
      trials: ofKind.length,
      detected,
      falseAlarms,
      precision: detected + falseAlarms === 0 ? Number.NaN : detected / (detected + falseAlarms),
      recall: ofKind.length === 0 ? Number.NaN : detected / ofKind.length,
      medianDelay: delays.length === 0 ? Number.NaN : (delays[Math.floor((delays.length - 1) / 2)] as number),
    };
  });
}
