/*
 * The board's streaming anomaly scorer, in integer arithmetic (formats in ./Q16).
 *
 * Per channel: an expected value (the average of the reading's hour-of-day bin, or with the
 * seasonal profile off an exponentially weighted mean) and the mean absolute deviation from it
 * (the noise level), all updated by shifts. A reading scores z / (z + knee) with
 * z = |x − expected| / deviation, and the
 * score is passed on only when it beats the channel's decaying peak, so an anomaly alerts when it
 * starts rather than on every reading it lasts. The combined score is the highest channel's.
 * Why this detector and not another: docs/anomaly-scorer.md, with NAB figures for each.
 *
 * The only floating-point steps are at the boundary: each reading is converted once to Q16.16,
 * and the time of day once to a bin index.
 */

import { scorerStateBytes, type ScorerConfig } from "./ScorerConfig";
import { absSaturating, addSaturating, fractionQ16, INT32_MAX, INT32_MIN, multiplySaturating, Q16_ONE, SCORE_MAX, subtractSaturating } from "./Q16";

const MEAN = 0;
const DEVIATION = 1;
const PEAK = 2;
const VALID_READINGS = 3;
const LAST_INPUT = 4;
const STUCK_RUN = 5;
/** x · 2^−exponent is what the channel holds in Q16.16. */
const SCALE_EXPONENT = 6;
const STATUS = 7;
/** Bit b set once seasonal bin b has its first reading. */
const BINS_SEEN = 8;
/** Then one Q16.16 average per seasonal bin. */
const FIRST_BIN = 9;

/** Readings counted until the fastest-settling average uses its configured rate (shifts go up to 15). */
const SETTLED_READINGS = 1 << 15;

const HAS_MEAN = 1;
const HAS_SCALE = 2;

/**
 * A channel's scale is set by its first non-zero reading, placed in [16, 32): a board does not
 * know its range in advance (NAB hands detectors each file's min and max; we do not use them).
 * That leaves 2^11 of headroom above the first reading before the value saturates at 32768
 * (a reading that large still scores as an anomaly), and a resolution of 2^−20 of it.
 */
const SCALE_TARGET_LOG2 = 4;

export class FixedPointScorer {
  readonly #config: ScorerConfig;
  readonly #state: Int32Array;
  readonly #channelScores: Int32Array;
  readonly #thresholdQ16: number;
  readonly #slotsPerChannel: number;
  readonly #binSeconds: number;

  constructor(config: ScorerConfig) {
    this.#config = config;
    this.#slotsPerChannel = FIRST_BIN + config.seasonalBins;
    this.#binSeconds = config.seasonalBins === 0 ? 0 : 86_400 / config.seasonalBins;
    this.#state = new Int32Array(config.channels * this.#slotsPerChannel);
    this.#channelScores = new Int32Array(config.channels);
    const threshold = Math.round(config.threshold * Q16_ONE);
    this.#thresholdQ16 = threshold < 1 ? 1 : threshold > SCORE_MAX ? SCORE_MAX : threshold;
  }

  /** Bytes of state kept between readings, all channels (the figure the config checks against its budget). */
  get stateBytes(): number {
    const bytes = this.#state.byteLength + this.#channelScores.byteLength;
    if (bytes !== scorerStateBytes(this.#config.channels, this.#config.seasonalBins)) throw new Error("anomaly scorer: state layout and its budget disagree");
    return bytes;
  }

  /** The flag threshold in Q0.16, as the comparison uses it. */
  get thresholdQ16(): number {
    return this.#thresholdQ16;
  }

  /**
   * Scores one reading of every channel and returns the combined Q0.16 score. A channel whose
   * reading is NaN, infinite or marked in faultMask (bit i for channel i) scores 0 and its
   * state is left exactly as it was. secondOfDay (0 … 86399, local or UTC as the board keeps
   * its clock) picks the seasonal bin; it is ignored when the profile is off.
   */
  score(readings: ArrayLike<number>, faultMask = 0, secondOfDay = 0): number {
    const channels = this.#config.channels;
    if (readings.length !== channels) throw new RangeError(`anomaly scorer: expected ${channels} readings, got ${readings.length}`);
    if (!(secondOfDay >= 0 && secondOfDay < 86_400)) throw new RangeError(`anomaly scorer: secondOfDay must be in 0…86399, got ${secondOfDay}`);
    const bin = this.#binSeconds === 0 ? -1 : Math.floor(secondOfDay / this.#binSeconds);
    let combined = 0;
    for (let channel = 0; channel < channels; channel++) {
      const reading = readings[channel] as number;
      const usable = (faultMask & (1 << channel)) === 0 && Number.isFinite(reading);
      const channelScore = usable ? this.#scoreChannel(channel, reading, bin) : 0;
      this.#channelScores[channel] = channelScore;
      if (channelScore > combined) combined = channelScore;
    }
    return combined;
  }

  /** The last Q0.16 score of one channel. */
  channelScore(channel: number): number {
    return this.#channelScores[channel] ?? 0;
  }

  isAnomalous(scoreQ16: number): boolean {
    return scoreQ16 >= this.#thresholdQ16;
  }

  /** A copy of the state, for tests and for the host to compare engines. */
  snapshot(): Int32Array {
    return this.#state.slice();
  }

  #toQ16(base: number, reading: number): number {
    const state = this.#state;
    if (((state[base + STATUS] as number) & HAS_SCALE) === 0) {
      if (reading === 0) return 0;
      state[base + SCALE_EXPONENT] = Math.floor(Math.log2(Math.abs(reading))) - SCALE_TARGET_LOG2;
      state[base + STATUS] = (state[base + STATUS] as number) | HAS_SCALE;
    }
    const fixed = Math.round(reading * 2 ** (16 - (state[base + SCALE_EXPONENT] as number)));
    return fixed > INT32_MAX ? INT32_MAX : fixed < INT32_MIN ? INT32_MIN : fixed;
  }

  #scoreChannel(channel: number, reading: number, bin: number): number {
    const config = this.#config;
    const state = this.#state;
    const base = channel * this.#slotsPerChannel;
    const x = this.#toQ16(base, reading);
    const status = state[base + STATUS] as number;
    const valid = state[base + VALID_READINGS] as number;
    if (valid <= config.warmupReadings || valid < SETTLED_READINGS) state[base + VALID_READINGS] = valid + 1;

    let stuck = false;
    if ((status & HAS_MEAN) === 0) {
      state[base + MEAN] = x;
      state[base + DEVIATION] = 0;
      state[base + STUCK_RUN] = 1;
      state[base + STATUS] = status | HAS_MEAN;
    } else {
      const run = x === state[base + LAST_INPUT] ? (state[base + STUCK_RUN] as number) + 1 : 1;
      state[base + STUCK_RUN] = run > config.stuckReadings ? config.stuckReadings + 1 : run;
      stuck = config.stuckReadings > 0 && run === config.stuckReadings;
    }
    state[base + LAST_INPUT] = x;

    let expectedSlot = base + MEAN;
    let shift = config.meanShift;
    if (bin >= 0) {
      expectedSlot = base + FIRST_BIN + bin;
      shift = config.seasonalShift;
      const seen = state[base + BINS_SEEN] as number;
      if ((seen & (1 << bin)) === 0) {
        state[expectedSlot] = x;
        state[base + BINS_SEEN] = seen | (1 << bin);
      }
    }
    // Early on the averages follow faster (about 1/n), so they have settled when warm-up ends.
    const settling = 32 - Math.clz32(valid + 1);
    if (settling < shift) shift = settling;
    const expected = state[expectedSlot] as number;
    const deviation = state[base + DEVIATION] as number;
    const difference = subtractSaturating(x, expected);
    const distance = absSaturating(difference);
    let score = fractionQ16(distance, addSaturating(distance, multiplySaturating(deviation, config.knee)));
    state[expectedSlot] = addSaturating(expected, difference >> shift);
    state[base + DEVIATION] = deviation + ((distance - deviation) >> (settling < config.deviationShift ? settling : config.deviationShift));

    if (valid < config.warmupReadings) score = 0;
    if (stuck) score = SCORE_MAX;
    const previousPeak = state[base + PEAK] as number;
    const decayed = previousPeak - (previousPeak >> config.peakDecayShift);
    state[base + PEAK] = score > decayed ? score : decayed;
    return score > previousPeak ? score : 0;
  }
}
