import { FixedPointScorer } from "../anomaly/FixedPointScorer";
import { Q16_ONE, thresholdQ16 } from "../anomaly/Q16";
import type { ScorerConfig } from "../anomaly/ScorerConfig";
import { CHANNELS, type Channel } from "../telemetry/Channels";
import type { IntervalReading } from "../sampling/Sampler";

export interface AnomalyVerdict {
  /** The combined score, 0 … 1 (Q0.16 / 65536). */
  readonly score: number;
  readonly flagged: boolean;
  /** The channel with the highest score, when the reading is flagged. */
  readonly channel?: Channel;
}

const SECONDS_PER_DAY = 86_400;

/**
 * Scores every reading on the board with the fixed-point scorer, one scorer channel per
 * telemetry channel in CHANNELS order. A channel that is not ok in a reading is passed as
 * fault-flagged, so a sensor fault never teaches the scorer a wrong normal.
 */
export class AnomalyWatch {
  #scorer: FixedPointScorer;
  #config: ScorerConfig;
  /** Q0.16, compared here rather than in the scorer, so a new threshold keeps the learnt state. */
  #thresholdQ16: number;

  constructor(config: ScorerConfig) {
    this.#config = config;
    this.#scorer = new FixedPointScorer(config);
    this.#thresholdQ16 = thresholdQ16(config.threshold);
  }

  /**
   * New settings from the cloud. A change of threshold alone keeps what the scorer has learnt;
   * any other change starts it afresh, warm-up included, since its state no longer fits.
   */
  reconfigure(config: ScorerConfig): void {
    const sameModel = (Object.keys(config) as (keyof ScorerConfig)[]).every((key) => key === "threshold" || config[key] === this.#config[key]);
    if (!sameModel) this.#scorer = new FixedPointScorer(config);
    this.#config = config;
    this.#thresholdQ16 = thresholdQ16(config.threshold);
  }

  score(reading: IntervalReading, epochMs: number): AnomalyVerdict {
    const values: number[] = [];
    let faultMask = 0;
    CHANNELS.forEach(({ name }, i) => {
      const result = reading[name];
      values.push(result.value ?? Number.NaN);
      if (result.health !== "ok") faultMask |= 1 << i;
    });
    const secondOfDay = Math.floor(epochMs / 1000) % SECONDS_PER_DAY;
    const combined = this.#scorer.score(values, faultMask, secondOfDay < 0 ? secondOfDay + SECONDS_PER_DAY : secondOfDay);
    const score = combined / Q16_ONE;
    if (combined < this.#thresholdQ16) return { score, flagged: false };
    let top = 0;
    for (let i = 1; i < CHANNELS.length; i++) if (this.#scorer.channelScore(i) > this.#scorer.channelScore(top)) top = i;
    return { score, flagged: true, channel: CHANNELS[top]!.name };
  }
}
