/*
 * The board's streaming anomaly scorer, in integer arithmetic (formats in ./Q16).
 *
 * Per channel, one or two learnt models, each an expected value and the mean absolute deviation
 * from it (its noise level), all updated by shifts: the level model (an exponentially weighted
 * mean) always, and with the seasonal profile on the seasonal model (the average of the
 * reading's hour-of-day bin). A reading's surprise under a model is z / (z + knee) with
 * z = |x − expected| / deviation, and the model's score is how far the surprise rises above the
 * model's decaying peak of recent surprises, so an anomaly alerts when it starts rather than on
 * every reading it lasts, and a model that has just been through a big excursion needs a bigger
 * one to alert again, except that a transition the channel has never made (its side of the
 * level's mean and how far, against the last reading's) scores the level model's whole surprise,
 * once. Two purpose-built tests sit beside them, each off unless configured:
 * a stuck sensor (a run of identical readings twice the channel's longest, away from the
 * channel's floor), which scores 1 once, and a jump (the step from the last reading in units of
 * the channel's record step, less a multiple of the largest other channel's jump on the same
 * reading, since air moves several channels at once and a faulty sensor one), graded so the
 * threshold trades jumps against false alarms. A channel scores the highest of these, and
 * the combined score is the highest channel's. Why each exists, and what each is measured to
 * catch: docs/anomaly-scorer.md.
 *
 * The only floating-point steps are at the boundary: each reading is converted once to Q16.16,
 * and the time of day once to a bin index.
 */

import { scorerStateBytes, type ScorerConfig } from "./ScorerConfig";
import {
  absSaturating,
  addSaturating,
  fractionQ16,
  INT32_MAX,
  INT32_MIN,
  Q16_ONE,
  ratioQ16,
  SCORE_MAX,
  subtractSaturating,
  surpriseQ16,
  thresholdQ16,
} from "./Q16";

/** The level model's expected value. */
const MEAN = 0;
/**
 * A learnt model's three slots, from its first: its noise level (the mean absolute deviation
 * from its expected value); what the deviation's last shift dropped, carried into the next
 * update (error feedback), so the slow average neither floors towards 0 nor stalls in a dead
 * band of 2^deviationShift LSB; and the decaying peak of its surprises, in Q0.30 so its slow
 * decay is not lost to flooring.
 */
const MODEL_DEVIATION = 0;
const MODEL_DEVIATION_CARRY = 1;
const MODEL_PEAK = 2;
/** The level model's slots 1 … 3. */
const LEVEL_MODEL = 1;
const VALID_READINGS = 4;
const LAST_INPUT = 5;
const STUCK_RUN = 6;
/** x · 2^−exponent is what the channel holds in Q16.16. */
const SCALE_EXPONENT = 7;
const STATUS = 8;
/** Bit b set once seasonal bin b has its first reading. */
const BINS_SEEN = 9;
/** The longest run of identical readings the channel has had, for the stuck test. */
const RUN_RECORD = 10;
/**
 * The jump test's yardstick: the largest step between consecutive readings, losing 2^−10 a
 * reading, so it is about the largest of the last thousand steps (six weeks of hourly readings).
 * A record, not a mean step: pollution rises in big steps when a plume arrives, so only a step
 * well beyond the biggest ones the channel normally takes says the sensor jumped.
 */
const STEP_RECORD = 11;
const STEP_RECORD_DECAY_SHIFT = 10;
/**
 * The lowest reading the channel has had. A quiet channel sits at its floor (SO2 at 2 µg/m³ all
 * night, CO at its lowest step) for longer than any run it has had before, and on the Beijing
 * choose stations 115 of the stuck test's 149 flags on clean data were such runs, while no injected
 * stuck or dropout fault was caught at the floor: a run at the floor is not a stuck sensor.
 */
const FLOOR = 12;
/** The last reading's side and band for the novelty test, plus 1 (0 before the first reading). */
const NOVELTY_STATE = 13;
/** One bit per transition the channel has made: 36 of them, bits 0–31 here and 32–35 in the slot after. */
const NOVELTY_SEEN = 14;
/** A channel with the profile off has these slots; with it on, the seasonal model's follow. */
const SLOTS_WITHOUT_PROFILE = 16;
/** The seasonal model's slots 16 … 18, then one Q16.16 average per seasonal bin. */
const SEASONAL_MODEL = 16;
const FIRST_BIN = 19;
/** The slots besides the bins that hold values in the channel's scale. */
const SCALED_SLOTS = [MEAN, LEVEL_MODEL + MODEL_DEVIATION, LEVEL_MODEL + MODEL_DEVIATION_CARRY, LAST_INPUT, STEP_RECORD, FLOOR] as const;
const SEASONAL_SCALED_SLOTS = [SEASONAL_MODEL + MODEL_DEVIATION, SEASONAL_MODEL + MODEL_DEVIATION_CARRY] as const;
/** Sides of the level's mean times bands on each side: the novelty test's states. */
const NOVELTY_BANDS = 3;
const NOVELTY_STATES = 2 * NOVELTY_BANDS;
/** A deviation under 2^26 times twice a noveltyBand of at most 15 stays inside int32. */
const NOVELTY_DEVIATION_BITS = 26;
/** A run counter stops here, far below int32, whatever a stuck sensor keeps sending. */
const RUN_CAP = 1 << 30;

/** The peak is kept 14 bits finer than the Q0.16 scores: Q0.30. */
const PEAK_EXTRA_BITS = 14;
/**
 * A reading that converts to 2^30 or more (Q16.16 16384, half the range) halves the channel's
 * scale first, so differences from it stay inside int32 and a channel whose level outgrows its
 * first reading is not held at the clamp.
 */
const RESCALE_READING = 1 << 30;

/** Readings counted until the fastest-settling average uses its configured rate (shifts go up to 15). */
const SETTLED_READINGS = 1 << 15;

const HAS_MEAN = 1;
const HAS_SCALE = 2;
/** The current run of identical readings is at the floor the channel had when the run began. */
const FLOOR_RUN = 4;

/**
 * A channel's scale is set by its first non-zero reading, placed in [16, 32): a board does not
 * know its range in advance (NAB hands detectors each file's min and max; we do not use them).
 * That leaves 2^10 of headroom above the first reading before the scale halves, and a
 * resolution of 2^−20 of it.
 */
const SCALE_TARGET_LOG2 = 4;

export class FixedPointScorer {
  readonly #config: ScorerConfig;
  readonly #state: Int32Array;
  readonly #channelScores: Int32Array;
  /** This reading's jump of each channel in records (Q16.16), 0 where none was measured. */
  readonly #jumpRatios: Int32Array;
  readonly #thresholdQ16: number;
  readonly #slotsPerChannel: number;
  readonly #binSeconds: number;

  constructor(config: ScorerConfig) {
    this.#config = config;
    this.#slotsPerChannel = config.seasonalBins === 0 ? SLOTS_WITHOUT_PROFILE : FIRST_BIN + config.seasonalBins;
    this.#binSeconds = config.seasonalBins === 0 ? 0 : 86_400 / config.seasonalBins;
    this.#state = new Int32Array(config.channels * this.#slotsPerChannel);
    this.#channelScores = new Int32Array(config.channels);
    this.#jumpRatios = new Int32Array(config.channels);
    this.#thresholdQ16 = thresholdQ16(config.threshold);
  }

  /**
   * Bytes the scorer holds, all channels, all allocated once: the state kept between readings and
   * the per-reading scores and jumps (the figure the config checks against its budget).
   */
  get stateBytes(): number {
    const bytes = this.#state.byteLength + this.#channelScores.byteLength + this.#jumpRatios.byteLength;
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
    const jumpRatios = this.#jumpRatios;
    let combined = 0;
    let highestJump = 0;
    let secondJump = 0;
    for (let channel = 0; channel < channels; channel++) {
      const reading = readings[channel] as number;
      const usable = (faultMask & (1 << channel)) === 0 && Number.isFinite(reading);
      jumpRatios[channel] = 0;
      const channelScore = usable ? this.#scoreChannel(channel, reading, bin) : 0;
      this.#channelScores[channel] = channelScore;
      if (channelScore > combined) combined = channelScore;
      const ratio = jumpRatios[channel] as number;
      if (ratio > highestJump) {
        secondJump = highestJump;
        highestJump = ratio;
      } else if (ratio > secondJump) secondJump = ratio;
    }
    if (highestJump === 0) return combined;
    // Only now is every channel's jump known: each is graded by how far it outdid the others'.
    const jumpFactorQ16 = this.#config.jumpFactor * Q16_ONE;
    const discount = this.#config.sharedJumpDiscount;
    for (let channel = 0; channel < channels; channel++) {
      const ratio = jumpRatios[channel] as number;
      if (ratio === 0) continue;
      const others = ratio === highestJump ? secondJump : highestJump;
      // Both ratios are at most RATIO_MAX (2^27) and the discount at most 8: no int32 overflow.
      const own = ratio - others * discount;
      if (own <= 0) continue;
      const grade = fractionQ16(own, own + jumpFactorQ16);
      if (grade > (this.#channelScores[channel] as number)) this.#channelScores[channel] = grade;
      if (grade > combined) combined = grade;
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
    let fixed = Math.round(reading * 2 ** (16 - (state[base + SCALE_EXPONENT] as number)));
    if (fixed >= RESCALE_READING || fixed <= -RESCALE_READING) {
      this.#halveScale(base);
      fixed = Math.round(reading * 2 ** (16 - (state[base + SCALE_EXPONENT] as number)));
    }
    return fixed > INT32_MAX ? INT32_MAX : fixed < INT32_MIN ? INT32_MIN : fixed;
  }

  /**
   * Halves every Q16.16 value of the channel and doubles its unit: one bit of headroom back for
   * one bit of resolution. At most once a reading, so a lone wild reading (1e12 on a channel of
   * 20) costs one bit and is clamped, while a level that keeps growing is followed a bit a
   * reading. The loop over the channel's slots is bounded, and runs only on such readings.
   */
  #halveScale(base: number): void {
    const state = this.#state;
    state[base + SCALE_EXPONENT] = (state[base + SCALE_EXPONENT] as number) + 1;
    for (const slot of SCALED_SLOTS) state[base + slot] = (state[base + slot] as number) >> 1;
    if (this.#config.seasonalBins === 0) return;
    for (const slot of SEASONAL_SCALED_SLOTS) state[base + slot] = (state[base + slot] as number) >> 1;
    const lastBin = base + this.#slotsPerChannel;
    for (let slot = base + FIRST_BIN; slot < lastBin; slot++) state[slot] = (state[slot] as number) >> 1;
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
      state[base + STUCK_RUN] = 1;
      state[base + FLOOR] = x;
      state[base + STATUS] = status | HAS_MEAN | FLOOR_RUN;
    } else {
      stuck = this.#stuckTest(base, x);
      if (config.jumpFactor > 0) this.#jumpRatios[channel] = this.#jumpTest(base, x, valid);
    }
    state[base + LAST_INPUT] = x;

    // Early on the averages follow faster (about 1/n), so they have settled when warm-up ends.
    const settling = 32 - Math.clz32(valid + 1);
    // The peaks learn during warm-up too, forgetting at the settling rate until warm-up ends, so
    // the first readings after it are measured against the surprises the channel normally has,
    // not against 0 (every reading would alert), nor against its first, unsettled readings.
    const warming = valid < config.warmupReadings;
    const peakShift = warming && settling < config.peakDecayShift ? settling : config.peakDecayShift;
    const levelDifference = subtractSaturating(x, state[base + MEAN] as number);
    // Before the level model learns x: the transition is measured against what the channel knew.
    const novelty = config.noveltyBand > 0 ? this.#noveltyTest(base, levelDifference, !warming) : 0;
    let rise = this.#modelRise(base + MEAN, base + LEVEL_MODEL, levelDifference, config.meanShift, settling, peakShift);
    if (bin >= 0) {
      const binSlot = base + FIRST_BIN + bin;
      const seen = state[base + BINS_SEEN] as number;
      if ((seen & (1 << bin)) === 0) {
        state[binSlot] = x;
        state[base + BINS_SEEN] = seen | (1 << bin);
      }
      const seasonalDifference = subtractSaturating(x, state[binSlot] as number);
      const seasonalRise = this.#modelRise(binSlot, base + SEASONAL_MODEL, seasonalDifference, config.seasonalShift, settling, peakShift);
      if (seasonalRise > rise) rise = seasonalRise;
    }
    if (novelty > rise) rise = novelty;
    if (warming) return 0;
    // The purpose-built tests leave the peaks to the readings: a stuck run scores 1 once, a jump
    // its grade (in score(), once every channel's jump is known).
    return stuck ? SCORE_MAX : rise;
  }

  /**
   * One learnt model's score for a reading `difference` (saturated) from its expected value
   * (Q0.16): how far its surprise rises above its peak. Then the model learns the reading: the
   * expected value at `averageShift`, the noise level at deviationShift and the peak at
   * `peakShift`, none faster than `settling`. `model` is the model's first slot.
   */
  #modelRise(expectedSlot: number, model: number, difference: number, averageShift: number, settling: number, peakShift: number): number {
    const state = this.#state;
    const expected = state[expectedSlot] as number;
    const deviation = state[model + MODEL_DEVIATION] as number;
    const distance = absSaturating(difference);
    const previousPeak = state[model + MODEL_PEAK] as number;
    const decayed = previousPeak - (previousPeak >> peakShift);
    // Only a surprise above the decayed peak changes the peak or the score: below it, 0 will do.
    const surprise = surpriseQ16(distance, deviation, this.#config.knee, decayed >> PEAK_EXTRA_BITS);
    state[expectedSlot] = addSaturating(expected, difference >> (settling < averageShift ? settling : averageShift));
    const configuredShift = this.#config.deviationShift;
    const deviationShift = settling < configuredShift ? settling : configuredShift;
    const step = addSaturating(subtractSaturating(distance, deviation), state[model + MODEL_DEVIATION_CARRY] as number);
    const change = step >> deviationShift;
    state[model + MODEL_DEVIATION] = addSaturating(deviation, change);
    state[model + MODEL_DEVIATION_CARRY] = step - (change << deviationShift);
    const surprisePeak = surprise << PEAK_EXTRA_BITS;
    state[model + MODEL_PEAK] = surprisePeak > decayed ? surprisePeak : decayed;
    const excess = surprise - (previousPeak >> PEAK_EXTRA_BITS);
    return excess > 0 ? excess : 0;
  }

  /**
   * Novelty: which side of the level model's mean the reading is on (`difference` from it) and how far (under noveltyBand noise
   * levels, under twice as many, beyond) is one of six states, and with the last reading's state
   * one of 36 transitions. The first time the channel makes a transition, the reading scores the level
   * model's whole surprise (when `scoring`), not just its rise over the peak: a level that has
   * only ever spiked upwards and now falls far below its mean, or stays far above it for the
   * first time, is new however small its surprise is beside the peak. Each transition is new
   * once, so the test fires at most 36 times in a channel's life; it learns from the first
   * reading on, warm-up included.
   */
  #noveltyTest(base: number, difference: number, scoring: boolean): number {
    const state = this.#state;
    const distance = absSaturating(difference);
    const deviation = state[base + LEVEL_MODEL + MODEL_DEVIATION] as number;
    const band = this.#noveltyBandOf(distance, deviation);
    const current = difference >= 0 ? NOVELTY_BANDS + band : NOVELTY_BANDS - 1 - band;
    const previous = (state[base + NOVELTY_STATE] as number) - 1;
    state[base + NOVELTY_STATE] = current + 1;
    if (previous < 0) return 0;
    const transition = previous * NOVELTY_STATES + current;
    const word = base + NOVELTY_SEEN + (transition >> 5);
    const bit = 1 << (transition & 31);
    const seen = state[word] as number;
    if ((seen & bit) !== 0) return 0;
    state[word] = seen | bit;
    return scoring ? surpriseQ16(distance, deviation, this.#config.knee, 0) : 0;
  }

  /** 0 under noveltyBand deviations from the level, 1 under twice that, 2 beyond; 0 while nothing has deviated. */
  #noveltyBandOf(distance: number, deviation: number): number {
    if (deviation === 0) return 0;
    // Both shifted alike: the comparison is kept, and the products stay inside int32.
    const excess = 32 - NOVELTY_DEVIATION_BITS - Math.clz32(deviation);
    const shift = excess > 0 ? excess : 0;
    const edge = Math.imul(deviation >> shift, this.#config.noveltyBand);
    const near = distance >> shift;
    return near < edge ? 0 : near < edge << 1 ? 1 : 2;
  }

  /**
   * Stuck: the same reading `run` times in a row, where run reaches both stuckReadings and twice
   * the longest run the channel has had before (it fires once, on the reading that gets there).
   * Quantised channels repeat themselves (integer µg/m³ of SO2 at 3 all night); their own
   * record, not one fixed count, says what an unusual run is. A run becomes the record when it
   * ends. A run at the channel's floor (the lowest reading it had when the run began) neither
   * fires nor sets the record: that is a quiet channel, while a sensor that drops below its
   * floor (a dropout to 0) is not at it.
   */
  #stuckTest(base: number, x: number): boolean {
    const state = this.#state;
    const previous = state[base + STUCK_RUN] as number;
    const status = state[base + STATUS] as number;
    if (x !== state[base + LAST_INPUT]) {
      if ((status & FLOOR_RUN) === 0 && previous > (state[base + RUN_RECORD] as number)) state[base + RUN_RECORD] = previous;
      state[base + STUCK_RUN] = 1;
      const floor = state[base + FLOOR] as number;
      state[base + STATUS] = x === floor ? status | FLOOR_RUN : status & ~FLOOR_RUN;
      if (x < floor) state[base + FLOOR] = x;
      return false;
    }
    const run = previous < RUN_CAP ? previous + 1 : RUN_CAP;
    state[base + STUCK_RUN] = run;
    if ((status & FLOOR_RUN) !== 0) return false;
    const record = state[base + RUN_RECORD] as number;
    const needed = record < RUN_CAP >> 1 ? record << 1 : RUN_CAP;
    return this.#config.stuckReadings > 0 && run === (needed > this.#config.stuckReadings ? needed : this.#config.stuckReadings);
  }

  /**
   * Jump: the step from the last reading in units of the channel's record step (STEP_RECORD,
   * before this step joins it), a Q16.16 ratio that score() grades once every channel's is known.
   * It is measured on the reading that jumps: a spike's rise, a calibration step, a swapped plug.
   * The record learns from the first step on, warm-up included; with the test off (jumpFactor
   * 0) none of this runs.
   */
  #jumpTest(base: number, x: number, valid: number): number {
    const state = this.#state;
    const step = absSaturating(subtractSaturating(x, state[base + LAST_INPUT] as number));
    const record = state[base + STEP_RECORD] as number;
    const decayed = record - (record >> STEP_RECORD_DECAY_SHIFT);
    state[base + STEP_RECORD] = step > decayed ? step : decayed;
    if (valid <= this.#config.warmupReadings || record === 0) return 0;
    return ratioQ16(step, record);
  }
}
