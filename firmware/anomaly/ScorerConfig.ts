/**
 * The anomaly scorer's parameters. They arrive as plain JSON (the manifest's config today, the
 * Device Shadow's desired state later), so every field is checked here and a bad one is refused
 * with its name and value, before any state is touched.
 */
export interface ScorerConfig {
  /** Channels scored side by side (ozone, PM2.5, …); each has its own state. */
  readonly channels: number;
  /** The level model's mean follows each reading by 2^−meanShift: 6 averages over roughly the last 64 readings. */
  readonly meanShift: number;
  /** Each model's mean absolute deviation from its expected value, its noise level, follows by 2^−deviationShift. */
  readonly deviationShift: number;
  /**
   * z = |x − expected| / deviation becomes the surprise z / (z + knee): the knee is the z that
   * gives 0.5. It never saturates, so one threshold serves quiet and noisy channels alike.
   */
  readonly knee: number;
  /**
   * A model scores by how far its surprise rises above the running peak of its recent
   * surprises, which decays by 2^−peakDecayShift a reading: an anomaly alerts once, not on every
   * reading it lasts, and right after a big one only a bigger one alerts.
   */
  readonly peakDecayShift: number;
  /**
   * Novelty: a reading's side of the level model's mean and its band there (under this many
   * noise levels, under twice as many, beyond), paired with the last reading's, is one of 36
   * transitions; the first time the channel makes one, the reading scores the level model's whole
   * surprise rather than its rise over the peak. 0 turns the test off.
   */
  readonly noveltyBand: number;
  /**
   * Hour-of-day profile: the day is cut into this many equal bins (a divisor of 24), and a
   * second model compares a reading with its bin's own average, beside the level model's recent
   * mean. 0 turns it off. Pollution and the NAB series follow the clock; a level mean cannot,
   * while a level that wanders leaves the bins behind.
   */
  readonly seasonalBins: number;
  /** Each bin's average follows the readings that fall in it by 2^−seasonalShift. */
  readonly seasonalShift: number;
  /** Valid readings a channel learns from before it may score above 0. */
  readonly warmupReadings: number;
  /**
   * A run of identical readings marks the sensor as stuck (score 1, once) when it is at least
   * this long and twice the channel's longest earlier run; 0 turns the test off.
   */
  readonly stuckReadings: number;
  /**
   * A reading's step from the last one, in units of the channel's record step (about the largest
   * of its last thousand steps), grades r / (r + jumpFactor): a step jumpFactor records tall
   * grades 0.5. 0 turns the jump test off.
   */
  readonly jumpFactor: number;
  /**
   * Before it is graded, a channel's jump (in its records) loses this many times the largest
   * jump among the other channels on the same reading: a plume or a front moves several
   * channels at once, a sensor fault one. 0 grades each channel's jump on its own.
   */
  readonly sharedJumpDiscount: number;
  /** A reading is flagged when its score (the highest of its models' rises and its tests' scores) reaches this, a fraction in (0, 1). */
  readonly threshold: number;
}

export class ScorerConfigError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`anomaly scorer config.${field}: ${problem}`);
    this.field = field;
  }
}

/**
 * The board's default: what bench:scorer's protocol chooses on the choose halves only (the
 * learnt structure and the novelty test on NAB's, the stuck and jump tests and the threshold on
 * the air-quality set's, at most 1 false alarm per 1,000 clean readings there). At 0.59737 a jump
 * alerts when it is about 1.5 records taller than twice the largest jump of the other channels:
 * real pollution jumps too, but on several channels at once.
 */
export const DEFAULT_SCORER_CONFIG: ScorerConfig = Object.freeze({
  channels: 9,
  meanShift: 6,
  deviationShift: 13,
  knee: 20,
  peakDecayShift: 12,
  noveltyBand: 6,
  seasonalBins: 24,
  seasonalShift: 6,
  warmupReadings: 150,
  stuckReadings: 24,
  jumpFactor: 1,
  sharedJumpDiscount: 2,
  threshold: 0.59737,
});

/** The scorer's state budget: all channels together. */
export const STATE_BUDGET_BYTES = 2048;

/**
 * Bytes FixedPointScorer keeps, all allocated once: 16 int32 slots a channel, with the seasonal
 * profile on 3 more and one per bin, and the channel's last score and its jump on the reading
 * being scored.
 */
export function scorerStateBytes(channels: number, seasonalBins: number): number {
  return channels * ((seasonalBins === 0 ? 16 : 19 + seasonalBins) + 2) * 4;
}

function integer(source: Record<string, unknown>, field: keyof ScorerConfig, min: number, max: number): number {
  const value = source[field] === undefined ? DEFAULT_SCORER_CONFIG[field] : source[field];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ScorerConfigError(field, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Missing fields take the defaults; unknown fields are refused, since a misspelt one would silently do nothing. */
export function parseScorerConfig(source: Record<string, unknown>): ScorerConfig {
  for (const key of Object.keys(source)) {
    if (!(key in DEFAULT_SCORER_CONFIG)) throw new ScorerConfigError(key, `unknown setting, got ${JSON.stringify(source[key])}`);
  }
  const threshold = source.threshold === undefined ? DEFAULT_SCORER_CONFIG.threshold : source.threshold;
  if (typeof threshold !== "number" || !(threshold > 0 && threshold < 1)) {
    throw new ScorerConfigError("threshold", `expected a number between 0 and 1 (exclusive), got ${JSON.stringify(threshold)}`);
  }
  const seasonalBins = integer(source, "seasonalBins", 0, 24);
  if (seasonalBins !== 0 && 24 % seasonalBins !== 0) throw new ScorerConfigError("seasonalBins", `expected 0 or a divisor of 24, got ${seasonalBins}`);
  const channels = integer(source, "channels", 1, 56);
  if (scorerStateBytes(channels, seasonalBins) > STATE_BUDGET_BYTES) {
    throw new ScorerConfigError(
      "channels",
      `${channels} channels with ${seasonalBins} seasonal bins need ${scorerStateBytes(channels, seasonalBins)} bytes of state, over the ${STATE_BUDGET_BYTES}-byte budget; got ${channels}`,
    );
  }
  return {
    channels,
    seasonalBins,
    seasonalShift: integer(source, "seasonalShift", 1, 15),
    meanShift: integer(source, "meanShift", 1, 15),
    deviationShift: integer(source, "deviationShift", 1, 15),
    // knee · deviation must stay far inside int32; 255 keeps it 8 bits wide.
    knee: integer(source, "knee", 1, 255),
    peakDecayShift: integer(source, "peakDecayShift", 1, 16),
    // Twice 15 bands times a deviation under 2^26 stays inside int32.
    noveltyBand: integer(source, "noveltyBand", 0, 15),
    warmupReadings: integer(source, "warmupReadings", 0, 1_000_000),
    stuckReadings: integer(source, "stuckReadings", 0, 1_000_000),
    // The jump grade's knee, as knee is the surprise's: 8 bits keep it far inside int32.
    jumpFactor: integer(source, "jumpFactor", 0, 255),
    // Eight times a jump of at most 2^11 records (RATIO_MAX) is 2^30: the board subtracts it inside int32.
    sharedJumpDiscount: integer(source, "sharedJumpDiscount", 0, 8),
    threshold,
  };
}
