import { FixedPointScorer } from "../../../firmware/anomaly/FixedPointScorer.ts";
import type { ScorerConfig } from "../../../firmware/anomaly/ScorerConfig.ts";
import type { LakeReading } from "./LakeReadings.ts";

const SECONDS_PER_DAY = 86_400;

/** The scores one reading got, in Q0.16 as the board compares them with its threshold. */
export interface ReplayedScores {
  readonly ts: number;
  readonly combinedQ16: number;
  /** Per channel, in CHANNELS order; 0 where the channel was not scored. */
  readonly channelQ16: readonly number[];
  /** Per channel: the channel had a usable value and was past its warm-up, so its score means something. */
  readonly channelScored: readonly boolean[];
}

/**
 * Replays a thing's readings through the board's own fixed-point scorer, not its float twin: the
 * board compares these integer scores with round(threshold · 65536), so the alert counts at a
 * chosen threshold are the ones the board would have raised on this history, with no float-vs-
 * fixed gap at the margin where the threshold sits.
 *
 * A new boot starts a fresh scorer, warm-up included, as the board does (AnomalyWatch is built at
 * start-up). The second of the day is taken from ts in UTC, as AnomalyWatch takes it.
 */
export function replayBoardScorer(readings: readonly LakeReading[], config: ScorerConfig): ReplayedScores[] {
  let scorer: FixedPointScorer | undefined;
  let boot: number | undefined;
  let validBefore: number[] = [];
  return readings.map((reading) => {
    if (scorer === undefined || reading.boot !== boot) {
      scorer = new FixedPointScorer(config);
      boot = reading.boot;
      validBefore = new Array<number>(config.channels).fill(0);
    }
    const secondOfDay = ((Math.floor(reading.ts / 1000) % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
    const combinedQ16 = scorer.score(reading.values, 0, secondOfDay);
    const channelQ16: number[] = [];
    const channelScored: boolean[] = [];
    for (let channel = 0; channel < config.channels; channel++) {
      const usable = Number.isFinite(reading.values[channel]);
      // The scorer scores a channel once it has seen warmupReadings valid readings before this one.
      channelScored.push(usable && validBefore[channel]! >= config.warmupReadings);
      if (usable) validBefore[channel]! += 1;
      channelQ16.push(scorer.channelScore(channel));
    }
    return { ts: reading.ts, combinedQ16, channelQ16, channelScored };
  });
}
