import { Q16_ONE, RATIO_MAX } from "../../../firmware/anomaly/Q16.ts";
import type { ScorerConfig } from "../../../firmware/anomaly/ScorerConfig.ts";

/** As the fixed-point scorer's record step: it loses 2^−10 a reading. */
const STEP_RECORD_DECAY_SHIFT = 10;
/** As the fixed-point scorer's novelty test: three bands on each side of the level's mean. */
const NOVELTY_BANDS = 3;
const NOVELTY_STATES = 2 * NOVELTY_BANDS;

interface ChannelState {
  /** The level model: an exponentially weighted mean, the mean absolute deviation from it, the peak of its surprises. */
  mean: number;
  deviation: number;
  peak: number;
  /** The seasonal model (with the profile on): the same over the hour-of-day bins' averages. */
  seasonalDeviation: number;
  seasonalPeak: number;
  /** The novelty test: the last reading's state (−1 before the first) and the transitions made. */
  noveltyState: number;
  transitionsSeen: boolean[];
  validReadings: number;
  lastInput: number;
  stepRecord: number;
  stuckRun: number;
  runRecord: number;
  /** The lowest reading so far, and whether the current run began at it. */
  floor: number;
  floorRun: boolean;
  hasMean: boolean;
  /** Hour-of-day bin averages; NaN until the bin's first reading. */
  bins: number[];
}

/**
 * The float twin of firmware/anomaly/FixedPointScorer: the same detector in doubles, with
 * 2^−shift rates as exact factors and scores as fractions in [0, 1). Host only: it is the
 * reference the fixed-point version is measured against.
 */
export class FloatScorer {
  readonly #config: ScorerConfig;
  readonly #channels: ChannelState[];

  constructor(config: ScorerConfig) {
    this.#config = config;
    this.#channels = Array.from({ length: config.channels }, () => ({
      mean: 0,
      deviation: 0,
      peak: 0,
      seasonalDeviation: 0,
      seasonalPeak: 0,
      noveltyState: -1,
      transitionsSeen: new Array<boolean>(NOVELTY_STATES * NOVELTY_STATES).fill(false),
      validReadings: 0,
      lastInput: 0,
      stepRecord: 0,
      stuckRun: 0,
      runRecord: 0,
      floor: 0,
      floorRun: false,
      hasMean: false,
      bins: new Array<number>(config.seasonalBins).fill(Number.NaN),
    }));
  }

  score(readings: ArrayLike<number>, faultMask = 0, secondOfDay = 0): number {
    if (readings.length !== this.#config.channels) throw new RangeError(`anomaly scorer: expected ${this.#config.channels} readings, got ${readings.length}`);
    const bin = this.#config.seasonalBins === 0 ? -1 : Math.floor((secondOfDay * this.#config.seasonalBins) / 86_400);
    let combined = 0;
    const jumps = this.#channels.map((channel, index) => {
      const reading = readings[index] as number;
      if ((faultMask & (1 << index)) !== 0 || !Number.isFinite(reading)) return 0;
      const { score, jump } = this.#scoreChannel(channel, reading, bin);
      combined = Math.max(combined, score);
      return jump;
    });
    // As the fixed-point scorer: each jump, less the discount times the largest other one, graded r / (r + jumpFactor).
    let highest = 0;
    let second = 0;
    for (const jump of jumps) {
      if (jump > highest) [second, highest] = [highest, jump];
      else if (jump > second) second = jump;
    }
    jumps.forEach((jump) => {
      if (jump === 0) return;
      const own = jump - this.#config.sharedJumpDiscount * (jump === highest ? second : highest);
      if (own > 0) combined = Math.max(combined, own / (own + this.#config.jumpFactor));
    });
    return combined;
  }

  isAnomalous(score: number): boolean {
    return score >= this.#config.threshold;
  }

  /** The channel's score without its jump, and its jump in records (0 where none was measured). */
  #scoreChannel(channel: ChannelState, x: number, bin: number): { score: number; jump: number } {
    const config = this.#config;
    const valid = channel.validReadings;
    if (valid <= config.warmupReadings || valid < 1 << 15) channel.validReadings = valid + 1;
    // As the fixed-point scorer: about 1/n early on, so the averages have settled when warm-up ends.
    const settling = 32 - Math.clz32(valid + 1);
    let stuck = false;
    let jump = 0;
    if (!channel.hasMean) {
      channel.mean = x;
      channel.deviation = 0;
      channel.stuckRun = 1;
      channel.floor = x;
      channel.floorRun = true;
      channel.hasMean = true;
    } else {
      // As the fixed-point scorer: a run as long as stuckReadings and twice the channel's record,
      // unless it is at the channel's floor, where it neither fires nor sets the record.
      if (x === channel.lastInput) {
        channel.stuckRun++;
        stuck = !channel.floorRun && config.stuckReadings > 0 && channel.stuckRun === Math.max(config.stuckReadings, 2 * channel.runRecord);
      } else {
        if (!channel.floorRun) channel.runRecord = Math.max(channel.runRecord, channel.stuckRun);
        channel.stuckRun = 1;
        channel.floorRun = x === channel.floor;
        channel.floor = Math.min(channel.floor, x);
      }
      if (config.jumpFactor > 0) {
        // As the fixed-point scorer: the step in units of the record step before it, at most RATIO_MAX.
        const step = Math.abs(x - channel.lastInput);
        const record = channel.stepRecord;
        channel.stepRecord = Math.max(record * (1 - 2 ** -STEP_RECORD_DECAY_SHIFT), step);
        if (valid > config.warmupReadings && record > 0) jump = Math.min(step / record, RATIO_MAX / Q16_ONE);
      }
    }
    channel.lastInput = x;

    // As the fixed-point scorer: the level model always, the seasonal model beside it with the profile on.
    const warming = valid < config.warmupReadings;
    const peakShift = warming ? Math.min(settling, config.peakDecayShift) : config.peakDecayShift;
    const novel = config.noveltyBand > 0 && this.#novelTransition(channel, x);
    const levelRise = this.#rise(channel.mean, x, channel.deviation, channel.peak);
    channel.mean += (x - channel.mean) * 2 ** -Math.min(settling, config.meanShift);
    channel.deviation += (levelRise.distance - channel.deviation) * 2 ** -Math.min(settling, config.deviationShift);
    channel.peak = Math.max(channel.peak * (1 - 2 ** -peakShift), levelRise.surprise);
    // As the fixed-point scorer: a transition the channel has never made scores the level model's whole surprise.
    let rise = novel ? Math.max(levelRise.rise, levelRise.surprise) : levelRise.rise;
    if (bin >= 0) {
      if (Number.isNaN(channel.bins[bin])) channel.bins[bin] = x;
      const expected = channel.bins[bin] as number;
      const seasonalRise = this.#rise(expected, x, channel.seasonalDeviation, channel.seasonalPeak);
      channel.bins[bin] = expected + (x - expected) * 2 ** -Math.min(settling, config.seasonalShift);
      channel.seasonalDeviation += (seasonalRise.distance - channel.seasonalDeviation) * 2 ** -Math.min(settling, config.deviationShift);
      channel.seasonalPeak = Math.max(channel.seasonalPeak * (1 - 2 ** -peakShift), seasonalRise.surprise);
      rise = Math.max(rise, seasonalRise.rise);
    }
    if (warming) return { score: 0, jump: 0 };
    // The stuck test scores 1 once, apart from the models.
    return { score: stuck ? 1 : rise, jump };
  }

  /** As the fixed-point scorer's novelty test: the reading's side of the level's mean and band, paired with the last reading's; true the first time the pair comes. */
  #novelTransition(channel: ChannelState, x: number): boolean {
    const distance = Math.abs(x - channel.mean);
    const band = this.#config.noveltyBand * channel.deviation;
    const far = channel.deviation === 0 || distance < band ? 0 : distance < 2 * band ? 1 : 2;
    const current = x >= channel.mean ? NOVELTY_BANDS + far : NOVELTY_BANDS - 1 - far;
    const previous = channel.noveltyState;
    channel.noveltyState = current;
    const transition = previous * NOVELTY_STATES + current;
    if (previous < 0 || channel.transitionsSeen[transition]) return false;
    channel.transitionsSeen[transition] = true;
    return true;
  }

  /** One model's distance from its expected value, surprise, and the surprise's rise over the model's peak. */
  #rise(expected: number, x: number, deviation: number, peak: number): { distance: number; surprise: number; rise: number } {
    const distance = Math.abs(x - expected);
    const denominator = distance + this.#config.knee * deviation;
    const surprise = denominator === 0 ? 0 : distance / denominator;
    return { distance, surprise, rise: Math.max(0, surprise - peak) };
  }
}
