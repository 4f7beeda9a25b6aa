/**
 * The host-side comparison detector: the modified z-score of Iglewicz and Hoaglin (B. Iglewicz,
 * D. C. Hoaglin, "How to Detect and Handle Outliers", ASQC Basic References in Quality Control
 * vol. 16, 1993), M = 0.6745 · (x − median) / MAD, with |M| > 3.5 an outlier, computed over a
 * trailing window of each channel's own readings (Hampel's identifier, F. R. Hampel, "The
 * influence curve and its role in robust estimation", JASA 69, 1974). It knows nothing of the
 * board's scorer: no hour-of-day profile, no peak gating, so agreement with the board's alerts
 * says something about them.
 */

/** The constant that makes the MAD of a normal sample estimate its standard deviation (Φ⁻¹(0.75)). */
const NORMAL_MAD = 0.6745;

export const MODIFIED_Z_CUTOFF = 3.5;

export interface WindowedRobustZOptions {
  /** Readings in the trailing window; the detector flags nothing until it is full. */
  readonly windowReadings: number;
  /** The window's median and MAD are recomputed every this many readings, as NAB's windowed Gaussian steps its statistics, so the cost is not a sort per reading. */
  readonly recomputeEvery: number;
  readonly cutoff?: number;
}

/**
 * Flags per reading of one channel (NaN readings are neither flagged nor learnt from). A window
 * whose MAD is 0 (more than half its readings equal) cannot scale a deviation and flags nothing.
 */
export function windowedRobustZFlags(values: readonly number[], options: WindowedRobustZOptions): boolean[] {
  const { windowReadings, recomputeEvery } = options;
  if (!(Number.isInteger(windowReadings) && windowReadings >= 3))
    throw new RangeError(`windowed robust z: windowReadings must be an integer ≥ 3, got ${windowReadings}`);
  if (!(Number.isInteger(recomputeEvery) && recomputeEvery >= 1))
    throw new RangeError(`windowed robust z: recomputeEvery must be an integer ≥ 1, got ${recomputeEvery}`);
  const cutoff = options.cutoff ?? MODIFIED_Z_CUTOFF;
  const window: number[] = [];
  let median = Number.NaN;
  let mad = 0;
  let sinceRecompute = recomputeEvery;
  return values.map((x) => {
    if (!Number.isFinite(x)) return false;
    let flagged = false;
    if (window.length === windowReadings) {
      if (sinceRecompute >= recomputeEvery) {
        median = medianOf(window);
        mad = medianOf(window.map((v) => Math.abs(v - median)));
        sinceRecompute = 0;
      }
      sinceRecompute++;
      flagged = mad > 0 && (NORMAL_MAD * Math.abs(x - median)) / mad > cutoff;
      window.shift();
    }
    window.push(x);
    return flagged;
  });
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
