import { PROFILE_NAMES, readProfiles, type ProfileName } from "../nab/cost-matrix.ts";
import type { NabCorpus } from "../nab/nab-corpus.ts";
import { NabScorer, type ScoredPoint } from "../nab/nab-scorer.ts";
import { normalisedScore } from "../nab/normalised-score.ts";
import { ThresholdSweep } from "../nab/threshold-sweep.ts";

/** Anomaly scores in [0, 1] for every row of one series, computed causally (row by row), given each row's second of the day. */
export type SeriesDetector = (values: readonly number[], secondsOfDay: readonly number[]) => number[];

/** NAB timestamps carry no zone; they are read as UTC, the only clock a series gives. */
function secondOfDay(timestamp: string): number {
  const ms = Date.parse(`${timestamp.replace(" ", "T")}Z`);
  if (!Number.isFinite(ms)) throw new Error(`cannot read NAB timestamp "${timestamp}"`);
  return Math.floor(ms / 1000) % 86_400;
}

export interface NabSeriesScores {
  readonly series: string;
  readonly scores: number[];
}

export interface ProfileResult {
  readonly profile: ProfileName;
  /** The corpus-wide threshold the exact sweep picked (NAB's rule: one per profile). */
  readonly threshold: number;
  readonly normalised: number;
}

/** Runs a detector over every series of the corpus; each series starts from fresh state, as in NAB. */
export function runOnCorpus(corpus: NabCorpus, detector: SeriesDetector): NabSeriesScores[] {
  return corpus.seriesNames.map((series) => {
    const data = corpus.readData(series);
    return { series, scores: detector(data.values, data.timestamps.map(secondOfDay)) };
  });
}

/** Scores a detector's output with the project's NAB scorer: best threshold per profile, normalised. */
export function scoreOnNab(corpus: NabCorpus, outputs: readonly NabSeriesScores[]): ProfileResult[] {
  const profiles = readProfiles(corpus.configPath("profiles.json"));
  const timestamps = new Map(outputs.map(({ series }) => [series, corpus.readData(series).timestamps]));
  return PROFILE_NAMES.map((profile) => {
    const scorer = new NabScorer(profiles.get(profile) as NonNullable<ReturnType<typeof profiles.get>>);
    const points: ScoredPoint[] = [];
    for (const { series, scores } of outputs) {
      for (const point of scorer.scorePoints(series, timestamps.get(series) ?? [], scores, corpus.windowsOf(series))) points.push(point);
    }
    const sweep = new ThresholdSweep(profiles.get(profile) as NonNullable<ReturnType<typeof profiles.get>>).best(points);
    return { profile, threshold: sweep.threshold, normalised: normalisedScore(sweep.rawScore, scorer.nullScore(points), scorer.perfectScore(points)) };
  });
}
