import type { CostMatrix } from "../nab/cost-matrix.ts";
import { pooledPoints, type LabelledScores } from "../nab/held-out-score.ts";
import { NabScorer, probationaryLength } from "../nab/nab-scorer.ts";
import { normalisedScore } from "../nab/normalised-score.ts";
import { ThresholdSweep } from "../nab/threshold-sweep.ts";
import { FAULT_KINDS, type FaultKind, type FaultSeries } from "./fault-injection.ts";

/** A detector's scores, in [0, 1], for every row of a series with the fault and of the same rows without it. */
export interface FaultSeriesScores {
  readonly series: FaultSeries;
  readonly faulty: readonly number[];
  readonly clean: readonly number[];
}

/** Scores one row of channel values at its second of the day; a fresh one per series. */
export interface RowScorer {
  score(row: readonly number[], secondOfDay: number): number;
}

export function scoreFaultSeries(set: readonly FaultSeries[], fresh: (series: FaultSeries) => RowScorer): FaultSeriesScores[] {
  const run = (series: FaultSeries, rows: readonly (readonly number[])[]) => {
    const scorer = fresh(series);
    return rows.map((row, index) => scorer.score(row, series.secondsOfDay[index] as number));
  };
  return set.map((series) => ({ series, faulty: run(series, series.faulty), clean: run(series, series.clean) }));
}

/** Rows are named by index: NabScorer only matches window edges to row names. */
function rowNames(length: number): string[] {
  return Array.from({ length }, (_, row) => String(row));
}

export function asLabelled(scored: readonly FaultSeriesScores[]): LabelledScores[] {
  return scored.map(({ series, faulty }) => ({
    series: series.name,
    timestamps: rowNames(faulty.length),
    scores: faulty,
    windows: [{ start: String(series.onset), end: String(series.windowEnd) }],
  }));
}

/** Clean rows after NAB's probation, the rows false alarms are counted on. */
function cleanScores(scored: readonly FaultSeriesScores[]): number[] {
  const scores: number[] = [];
  for (const { clean } of scored) for (let row = probationaryLength(clean.length); row < clean.length; row++) scores.push(clean[row] as number);
  return scores;
}

/**
 * The threshold a board would ship, chosen the same way for every detector: the best NAB score
 * (profile `cost`) on these series among the thresholds that raise at most
 * `maxFalseAlarmsPer1000` flags per 1,000 clean readings on them.
 */
export function shippedThreshold(scored: readonly FaultSeriesScores[], cost: CostMatrix, maxFalseAlarmsPer1000: number): number {
  const clean = cleanScores(scored).sort((a, b) => b - a);
  const allowed = Math.floor((clean.length * maxFalseAlarmsPer1000) / 1000);
  // count(clean ≥ t) ≤ allowed exactly when t is above the (allowed + 1)-th highest clean score.
  const floor = clean[allowed] ?? Number.NEGATIVE_INFINITY;
  const points = pooledPoints(new NabScorer(cost), asLabelled(scored));
  return new ThresholdSweep(cost).best(points, (threshold) => threshold > floor).threshold;
}

export interface KindFigures {
  readonly kind: FaultKind;
  readonly windows: number;
  /** Share of windows with a flag. */
  readonly recall: number;
  /** The same share on the same windows of the series without the fault. */
  readonly chance: number;
  /** Median rows from onset to the first flag in the window, over detected windows. */
  readonly medianDelay: number;
}

export interface FaultFigures {
  /** NAB normalised score (null detector 0, perfect 100) over the faulty series. */
  readonly nab: number;
  /** Flags per 1,000 clean readings after probation. */
  readonly falseAlarmsPer1000: number;
  /** Detected windows / (detected windows + flags outside windows, after probation) on the faulty series. */
  readonly precision: number;
  readonly kinds: readonly KindFigures[];
  /** Clean readings inside real pollution episodes (PM2.5 ≥ EPISODE_PM25) and the flags per 1,000 of them. */
  readonly episodeReadings: number;
  readonly episodeFlagsPer1000: number;
}

/** China's "severely polluted" band starts at 250 µg/m³ of PM2.5: a real episode, not a fault. */
export const EPISODE_PM25 = 250;

function firstFlag(scores: readonly number[], from: number, to: number, threshold: number): number {
  for (let row = from; row <= to; row++) if ((scores[row] as number) >= threshold) return row;
  return -1;
}

export function figuresAt(scored: readonly FaultSeriesScores[], threshold: number, cost: CostMatrix): FaultFigures {
  const scorer = new NabScorer(cost);
  const points = pooledPoints(scorer, asLabelled(scored));
  const nab = normalisedScore(scorer.scoreAtThreshold(points, threshold), scorer.nullScore(points), scorer.perfectScore(points));
  const clean = cleanScores(scored);
  let outside = 0;
  let detectedAll = 0;
  let episodeReadings = 0;
  let episodeFlags = 0;
  const perKind = new Map<FaultKind, { windows: number; detected: number; chance: number; delays: number[] }>(
    FAULT_KINDS.map((kind) => [kind, { windows: 0, detected: 0, chance: 0, delays: [] }]),
  );
  for (const { series, faulty, clean: cleanRun } of scored) {
    const tally = perKind.get(series.kind) as { windows: number; detected: number; chance: number; delays: number[] };
    tally.windows++;
    const hit = firstFlag(faulty, series.onset, series.windowEnd, threshold);
    if (hit >= 0) {
      tally.detected++;
      detectedAll++;
      tally.delays.push(hit - series.onset);
    }
    if (firstFlag(cleanRun, series.onset, series.windowEnd, threshold) >= 0) tally.chance++;
    for (let row = probationaryLength(faulty.length); row < faulty.length; row++) {
      if ((row < series.onset || row > series.windowEnd) && (faulty[row] as number) >= threshold) outside++;
      const pm = series.clean[row]?.[series.episodeChannel] as number;
      if (series.episodeChannel >= 0 && pm >= EPISODE_PM25) {
        episodeReadings++;
        if ((cleanRun[row] as number) >= threshold) episodeFlags++;
      }
    }
  }
  return {
    nab,
    falseAlarmsPer1000: (1000 * clean.filter((score) => score >= threshold).length) / clean.length,
    precision: detectedAll + outside === 0 ? Number.NaN : detectedAll / (detectedAll + outside),
    kinds: FAULT_KINDS.map((kind) => {
      const { windows, detected, chance, delays } = perKind.get(kind) as { windows: number; detected: number; chance: number; delays: number[] };
      delays.sort((a, b) => a - b);
      return {
        kind,
        windows,
        recall: windows === 0 ? Number.NaN : detected / windows,
        chance: windows === 0 ? Number.NaN : chance / windows,
        medianDelay: delays.length === 0 ? Number.NaN : (delays[Math.floor((delays.length - 1) / 2)] as number),
      };
    }),
    episodeReadings,
    episodeFlagsPer1000: episodeReadings === 0 ? Number.NaN : (1000 * episodeFlags) / episodeReadings,
  };
}
