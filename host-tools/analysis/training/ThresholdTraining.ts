import { Q16_ONE, thresholdQ16 } from "../../../firmware/anomaly/Q16.ts";
import type { ScorerConfig } from "../../../firmware/anomaly/ScorerConfig.ts";
import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels.ts";
import { replayBoardScorer, type ReplayedScores } from "./BoardScoreReplay.ts";
import type { ScorerConfigLookup } from "./BoardScorerSettings.ts";
import type { DesiredStatePublisher } from "./DesiredStatePublisher.ts";
import type { LakeReading, ThingReadings } from "./LakeReadings.ts";
import { countAtOrAbove, lowestThresholdWithin, scoreQuantiles, type ScoreQuantiles } from "./ThresholdChoice.ts";
import { MODIFIED_Z_CUTOFF, windowedRobustZFlags } from "./WindowedRobustZ.ts";

const DAY_MS = 86_400_000;
/** The comparison detector's window is a day of readings, but no more than this, so a 5-second board does not sort 17,280 values an hour. */
const DETECTOR_WINDOW_MAX = 4096;
/** Alerts listed per thing in the report; the counts cover them all. */
const ALERTS_LISTED = 100;

export const SCORER_REPLAYED =
  "the board's fixed-point scorer (firmware/anomaly/FixedPointScorer.ts), replayed per boot: its Q0.16 scores are the ones the board compares with round(threshold · 65536), so alert counts at the chosen threshold are the board's own, with no float-vs-fixed difference at the threshold's margin";

export const COMPARISON_DETECTOR = {
  name: "windowed modified z-score (Hampel identifier)",
  reference:
    "B. Iglewicz, D. C. Hoaglin, How to Detect and Handle Outliers, ASQC Basic References in Quality Control vol. 16 (1993): M = 0.6745 (x − median) / MAD, outlier when |M| > 3.5; over a trailing window as in F. R. Hampel, The influence curve and its role in robust estimation, JASA 69 (1974)",
  cutoff: MODIFIED_Z_CUTOFF,
  window: `the channel's previous day of readings at the thing's sampling interval (at most ${DETECTOR_WINDOW_MAX}), median and MAD recomputed every 1/24 of the window`,
  agreement: "a board alert agrees when the detector flags the same reading on the channel the board names (the channel with the highest score)",
} as const;

const DEFAULT_MIN_THRESHOLD = 0.0125;

export interface ThresholdTrainingOptions {
  readonly run: string;
  /** The false-alarm rate the chosen threshold must not exceed on the thing's history. */
  readonly targetAlertsPerDay: number;
  readonly configOf: ScorerConfigLookup;
  /**
   * The lowest threshold published, however quiet a board's history was: a week of clean air
   * would otherwise make it alert on the first ordinary change. @default 0.0125 (half the firmware's default)
   */
  readonly minThreshold?: number;
  /** Where passing things' new thresholds go; without one it is a dry run and nothing is published. */
  readonly publisher?: DesiredStatePublisher;
  readonly now?: () => number;
}

export interface AlertRates {
  readonly old: number;
  readonly new: number;
}

export interface ChannelTraining {
  readonly channel: Channel;
  /** Readings the channel was scored on: a usable value, past its warm-up. */
  readonly readingsUsed: number;
  readonly quantiles: ScoreQuantiles | null;
  /** Alerts a day this channel alone raises, over the days it was scored; null when it never was. */
  readonly alertsPerDay: AlertRates | null;
  /** The threshold this channel alone would need to meet the target. The board has one threshold for all channels: this says which channel drives it. */
  readonly thresholdAlone: number | null;
  /** Readings the comparison detector flags on this channel, a day. */
  readonly detectorAlertsPerDay: number | null;
}

export interface AlertSeen {
  /** ms since the Unix epoch, and the same as ISO 8601. */
  readonly ts: number;
  readonly at: string;
  readonly channel: Channel;
  readonly score: number;
  readonly detectorAgrees: boolean;
}

export type PublishOutcome = { readonly status: "published" } | { readonly status: "dry-run" } | { readonly status: "failed"; readonly error: string };

export interface TrainedThing {
  readonly thing: string;
  readonly status: "trained";
  readonly configSource: string;
  readonly config: ScorerConfig;
  /** Every reading of the thing in the lake. */
  readonly readings: number;
  /** Readings on which at least one channel was past its warm-up: the history the threshold is chosen on. */
  readonly scoredReadings: number;
  readonly boots: number;
  /** The median time between consecutive readings of a boot. */
  readonly intervalS: number;
  /** scoredReadings at that interval. */
  readonly daysScored: number;
  /** Alerts the target allows over daysScored. */
  readonly alertBudget: number;
  readonly oldThreshold: number;
  readonly threshold: number;
  /** Readings flagged (combined score, as the board flags), a day. */
  readonly alertsPerDay: AlertRates;
  readonly quantiles: ScoreQuantiles;
  readonly channels: readonly ChannelTraining[];
  readonly comparison: { readonly boardAlerts: number; readonly agreed: number; readonly detectorAlerts: number };
  /** The board's alerts at the new threshold on this history (the first ALERTS_LISTED). */
  readonly alerts: readonly AlertSeen[];
  readonly desired: { readonly anomaly: { readonly threshold: number } };
  readonly publish: PublishOutcome;
  readonly notes: readonly string[];
}

export interface RefusedThing {
  readonly thing: string;
  readonly status: "refused";
  readonly reason: string;
  readonly configSource: string;
  readonly readings: number;
}

export type ThingTraining = TrainedThing | RefusedThing;

export interface TrainingReport {
  readonly run: string;
  readonly createdAt: string;
  readonly targetAlertsPerDay: number;
  readonly dryRun: boolean;
  readonly scorer: string;
  readonly detector: typeof COMPARISON_DETECTOR;
  readonly things: readonly ThingTraining[];
}

/**
 * Chooses each thing's anomaly threshold from its own history: the lowest threshold at which the
 * board's scorer, replayed over the thing's curated readings with its current settings, alerts at
 * most `targetAlertsPerDay` a day. Things with less than a day of scored readings are refused
 * with the reason and nothing is published for them; the others' `{ anomaly: { threshold } }` goes
 * to the publisher, one call per thing.
 */
export async function trainThresholds(
  things: Iterable<ThingReadings> | AsyncIterable<ThingReadings>,
  options: ThresholdTrainingOptions,
): Promise<TrainingReport> {
  const target = options.targetAlertsPerDay;
  if (!(Number.isFinite(target) && target > 0)) throw new RangeError(`target alerts per day must be a number above 0, got ${target}`);
  const outcomes: ThingTraining[] = [];
  for await (const { thing, readings } of things) {
    const known = options.configOf(thing);
    const trained = trainThing(thing, readings, known.config, known.source, target, options.minThreshold ?? DEFAULT_MIN_THRESHOLD);
    if (trained.status === "refused") {
      outcomes.push(trained);
      continue;
    }
    let publish: PublishOutcome = { status: "dry-run" };
    if (options.publisher) {
      try {
        await options.publisher.publishDesired(thing, trained.desired);
        publish = { status: "published" };
      } catch (error) {
        publish = { status: "failed", error: error instanceof Error ? error.message : String(error) };
      }
    }
    outcomes.push({ ...trained, publish });
  }
  return {
    run: options.run,
    createdAt: new Date((options.now ?? Date.now)()).toISOString(),
    targetAlertsPerDay: target,
    dryRun: options.publisher === undefined,
    scorer: SCORER_REPLAYED,
    detector: COMPARISON_DETECTOR,
    things: outcomes,
  };
}

function trainThing(
  thing: string,
  readings: readonly LakeReading[],
  config: ScorerConfig,
  configSource: string,
  target: number,
  minThreshold: number,
): ThingTraining {
  const refuse = (reason: string): RefusedThing => ({ thing, status: "refused", reason, configSource, readings: readings.length });
  const intervalMs = samplingIntervalMs(readings);
  if (intervalMs === undefined) return refuse(`${readings.length} reading(s) and no two consecutive ones in one boot: no sampling interval to count a day by`);
  const perDay = Math.ceil(DAY_MS / intervalMs);
  const replayed = replayBoardScorer(readings, config);
  const scored = replayed.filter((r) => r.channelScored.some(Boolean));
  if (scored.length < perDay) {
    return refuse(
      `${scored.length} readings scored after warm-up (${readings.length} in all; the scorer learns from ${config.warmupReadings} valid readings per channel after every boot), fewer than a day's worth (${perDay} at the observed interval of ${round(intervalMs / 1000)} s)`,
    );
  }
  const daysScored = (scored.length * intervalMs) / DAY_MS;
  const alertBudget = target * daysScored;
  const combined = scored.map((r) => r.combinedQ16);
  const lowestQ16 = lowestThresholdWithin(combined, alertBudget);
  const floorQ16 = thresholdQ16(minThreshold);
  const newQ16 = Math.max(lowestQ16, floorQ16);
  const oldQ16 = thresholdQ16(config.threshold);
  const window = Math.max(3, Math.min(DETECTOR_WINDOW_MAX, perDay));
  const detectorFlags = CHANNELS.map((_, channel) =>
    windowedRobustZFlags(
      readings.map((r) => r.values[channel]!),
      { windowReadings: window, recomputeEvery: Math.max(1, Math.round(window / 24)) },
    ),
  );

  const channels = CHANNELS.map(({ name }, channel): ChannelTraining => {
    const used = replayed.flatMap((r, i) => (r.channelScored[channel] ? [{ score: r.channelQ16[channel]!, flagged: detectorFlags[channel]![i]! }] : []));
    if (used.length === 0) return { channel: name, readingsUsed: 0, quantiles: null, alertsPerDay: null, thresholdAlone: null, detectorAlertsPerDay: null };
    const days = (used.length * intervalMs) / DAY_MS;
    const scores = used.map((u) => u.score);
    return {
      channel: name,
      readingsUsed: used.length,
      quantiles: scoreQuantiles(scores),
      alertsPerDay: { old: round(countAtOrAbove(scores, oldQ16) / days), new: round(countAtOrAbove(scores, newQ16) / days) },
      thresholdAlone: lowestThresholdWithin(scores, target * days) / Q16_ONE,
      detectorAlertsPerDay: round(used.filter((u) => u.flagged).length / days),
    };
  });

  const alerts: AlertSeen[] = [];
  let agreed = 0;
  let boardAlerts = 0;
  replayed.forEach((r, i) => {
    if (!r.channelScored.some(Boolean) || r.combinedQ16 < newQ16) return;
    boardAlerts++;
    const top = topChannel(r);
    const detectorAgrees = detectorFlags[top]![i]!;
    if (detectorAgrees) agreed++;
    if (alerts.length < ALERTS_LISTED)
      alerts.push({ ts: r.ts, at: new Date(r.ts).toISOString(), channel: CHANNELS[top]!.name, score: r.combinedQ16 / Q16_ONE, detectorAgrees });
  });
  const detectorAlerts = replayed.filter((r, i) => r.channelScored.some((scoredChannel, c) => scoredChannel && detectorFlags[c]![i]!)).length;

  const boots = new Set(readings.map((r) => r.boot)).size;
  const notes: string[] = [];
  if (lowestQ16 < floorQ16)
    notes.push(
      `the history would allow a threshold as low as ${round(lowestQ16 / Q16_ONE)}; it is kept at the floor of ${minThreshold}, so a quiet week does not make the board alert on the first ordinary change`,
    );
  if (boots > 1) notes.push("the scorer was restarted at each boot, as the board's is: each boot's first readings are warm-up and not scored");
  const threshold = newQ16 / Q16_ONE;
  return {
    thing,
    status: "trained",
    configSource,
    config,
    readings: readings.length,
    scoredReadings: scored.length,
    boots,
    intervalS: round(intervalMs / 1000),
    daysScored: round(daysScored),
    alertBudget: round(alertBudget),
    oldThreshold: config.threshold,
    threshold,
    alertsPerDay: { old: round(countAtOrAbove(combined, oldQ16) / daysScored), new: round(countAtOrAbove(combined, newQ16) / daysScored) },
    quantiles: scoreQuantiles(combined)!,
    channels,
    comparison: { boardAlerts, agreed, detectorAlerts },
    alerts,
    desired: { anomaly: { threshold } },
    publish: { status: "dry-run" },
    notes,
  };
}

/** The channel AnomalyWatch names for a flagged reading: the highest score, the first on a tie. */
function topChannel(r: ReplayedScores): number {
  let top = 0;
  for (let i = 1; i < r.channelQ16.length; i++) if (r.channelQ16[i]! > r.channelQ16[top]!) top = i;
  return top;
}

/** The median gap between consecutive readings of the same boot: gaps between boots and outages do not count. */
function samplingIntervalMs(readings: readonly LakeReading[]): number | undefined {
  const gaps: number[] = [];
  for (let i = 1; i < readings.length; i++) {
    const gap = readings[i]!.ts - readings[i - 1]!.ts;
    if (readings[i]!.boot === readings[i - 1]!.boot && gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1]!;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
