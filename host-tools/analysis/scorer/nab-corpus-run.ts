import type { LabelledScores } from "../nab/held-out-score.ts";
import type { NabCorpus } from "../nab/nab-corpus.ts";

/** Anomaly scores in [0, 1] for every row of one series, computed causally (row by row), given each row's second of the day. */
export type SeriesDetector = (values: readonly number[], secondsOfDay: readonly number[]) => number[];

/** NAB timestamps carry no zone; they are read as UTC, the only clock a series gives. */
function secondOfDay(timestamp: string): number {
  const ms = Date.parse(`${timestamp.replace(" ", "T")}Z`);
  if (!Number.isFinite(ms)) throw new Error(`cannot read NAB timestamp "${timestamp}"`);
  return Math.floor(ms / 1000) % 86_400;
}

/** One NAB series read once, to be run through many detectors. */
export interface NabSeriesData {
  readonly series: string;
  readonly timestamps: readonly string[];
  readonly values: readonly number[];
  readonly secondsOfDay: readonly number[];
  readonly windows: LabelledScores["windows"];
}

export function readSeries(corpus: NabCorpus, seriesNames: readonly string[] = corpus.seriesNames): NabSeriesData[] {
  return seriesNames.map((series) => {
    const data = corpus.readData(series);
    return { series, timestamps: data.timestamps, values: data.values, secondsOfDay: data.timestamps.map(secondOfDay), windows: corpus.windowsOf(series) };
  });
}

/** Runs a detector over every series; each series starts from fresh state, as in NAB. */
export function runOnSeries(set: readonly NabSeriesData[], detector: SeriesDetector): LabelledScores[] {
  return set.map(({ series, timestamps, values, secondsOfDay, windows }) => ({ series, timestamps, windows, scores: detector(values, secondsOfDay) }));
}

/** A published detector's per-row output, with the corpus's labels, as NAB scores it. */
export function publishedScores(corpus: NabCorpus, detector: string, seriesNames: readonly string[], resultsDir?: string): LabelledScores[] {
  return seriesNames.map((series) => {
    const { timestamps, values } = corpus.readDetectorScores(detector, series, resultsDir);
    return { series, timestamps, scores: values, windows: corpus.windowsOf(series) };
  });
}
