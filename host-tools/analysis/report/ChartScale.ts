/** Axis ticks at round values, so a reader can read a chart without hovering. */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const TIME_STEPS_MS = [
  60_000,
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  HOUR_MS,
  2 * HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
  DAY_MS,
  2 * DAY_MS,
  7 * DAY_MS,
  14 * DAY_MS,
  28 * DAY_MS,
];

export interface ValueAxis {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  /** Decimals that tell the ticks apart. */
  readonly decimals: number;
}

/** A value axis covering `values`, widened to round ticks (steps of 1, 2 or 5 × 10ⁿ). */
export function valueAxis(values: readonly number[], targetTicks = 4): ValueAxis {
  let { low, high } = values.length > 0 ? extent(values) : { low: 0, high: 1 };
  if (low === high) {
    const pad = Math.max(Math.abs(low) * 0.1, 1);
    low -= pad;
    high += pad;
  }
  const rough = (high - low) / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const min = Math.floor(low / step) * step;
  const max = Math.ceil(high / step) * step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step / 2; i++) ticks.push(min + i * step);
  return { min, max, ticks, decimals: Math.max(0, -Math.floor(Math.log10(step))) };
}

/** Lowest and highest of many values (spreading tens of thousands into Math.min would overflow the stack). */
export function extent(values: readonly number[]): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return { low, high };
}

export interface TimeAxis {
  readonly from: number;
  readonly to: number;
  readonly ticks: readonly number[];
  readonly stepMs: number;
}

/** Ticks at whole minutes, hours or UTC days, at most about `maxTicks` of them. */
export function timeAxis(from: number, to: number, maxTicks = 7): TimeAxis {
  // A single instant still needs an axis of some width to stand on.
  if (from === to) {
    from -= HOUR_MS / 2;
    to += HOUR_MS / 2;
  }
  const stepMs = TIME_STEPS_MS.find((s) => (to - from) / s <= maxTicks) ?? TIME_STEPS_MS.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / stepMs) * stepMs; t <= to; t += stepMs) ticks.push(t);
  return { from, to, ticks, stepMs };
}

/** Where time `t` falls on a plot whose axis runs from pixel column `left` to `right`. */
export function timeToX(axis: TimeAxis, t: number, left: number, right: number): number {
  return left + ((t - axis.from) / (axis.to - axis.from)) * (right - left);
}

/** A tick's label in UTC: the time of day, with the date under the first tick and at midnight. */
export function timeTickLabel(t: number, stepMs: number, first: boolean): { time: string; date: string | null } {
  const iso = new Date(t).toISOString();
  if (stepMs >= DAY_MS) return { time: iso.slice(5, 10), date: null };
  return { time: iso.slice(11, 16), date: first || t % DAY_MS === 0 ? iso.slice(0, 10) : null };
}

/** A time as the page writes it: ISO 8601 to the second, UTC. */
export function utcText(t: number): string {
  return `${new Date(t).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
