import { readFileSync } from "node:fs";
import { PROFILE_NAMES, readProfiles, type ProfileName } from "./cost-matrix.ts";
import type { NabCorpus } from "./nab-corpus.ts";
import { NabScorer, type ScoredPoint } from "./nab-scorer.ts";
import { normalisedScore } from "./normalised-score.ts";
import { ThresholdSweep, type SweepResult } from "./threshold-sweep.ts";

export interface ProfileRescore {
  readonly profile: ProfileName;
  readonly threshold: number;
  readonly rawScore: number;
  readonly normalised: number;
  readonly sweep: SweepResult & { readonly normalised: number };
}

/** Published score tables are keyed detector → profile → entry. */
export type PublishedTable<Entry> = Record<string, Partial<Record<ProfileName, Entry>>>;

export function readPublished<Entry>(path: string): PublishedTable<Entry> {
  return JSON.parse(readFileSync(path, "utf8")) as PublishedTable<Entry>;
}

/**
 * Re-scores one detector's published per-row output over the whole corpus:
 * once at the published threshold of each profile and once at the threshold
 * our own sweep finds.
 */
export function rescoreDetector(corpus: NabCorpus, detector: string): ProfileRescore[] {
  const profiles = readProfiles(corpus.configPath("profiles.json"));
  const thresholds = readPublished<{ threshold: number }>(corpus.configPath("thresholds.json"));
  const series = corpus.seriesNames.map((name) => ({ name, ...corpus.readDetectorScores(detector, name) }));
  return PROFILE_NAMES.map((profile) => {
    const threshold = thresholds[detector]?.[profile]?.threshold;
    if (typeof threshold !== "number") throw new Error(`${corpus.configPath("thresholds.json")}: no ${detector}.${profile}.threshold`);
    const cost = profiles.get(profile);
    if (!cost) throw new Error(`${corpus.configPath("profiles.json")}: no profile ${profile}`);
    const scorer = new NabScorer(cost);
    const points: ScoredPoint[] = [];
    for (const one of series) {
      for (const point of scorer.scorePoints(one.name, one.timestamps, one.values, corpus.windowsOf(one.name))) points.push(point);
    }
    const nullScore = scorer.nullScore(points);
    const perfectScore = scorer.perfectScore(points);
    const rawScore = scorer.scoreAtThreshold(points, threshold);
    const sweep = new ThresholdSweep(cost).best(points);
    return {
      profile,
      threshold,
      rawScore,
      normalised: normalisedScore(rawScore, nullScore, perfectScore),
      sweep: { ...sweep, normalised: normalisedScore(sweep.rawScore, nullScore, perfectScore) },
    };
  });
}
