/**
 * Baseline: a fixed threshold per channel, as an installer would set one. Over a channel's first
 * `learnReadings` valid readings it learns a centre (their median) and a spread (the 95th
 * percentile of |x − centre|); from then on the band is fixed and a reading scores by how many
 * spreads it lies from the centre, e / (e + 1), the largest over the channels. A threshold on the
 * score is a band of so many spreads; the sweep picks it like any other detector's.
 */
export class ProbationBand {
  readonly #learnReadings: number;
  readonly #learning: number[][];
  readonly #bands: ({ centre: number; spread: number } | undefined)[];

  constructor(channels: number, learnReadings: number) {
    this.#learnReadings = learnReadings;
    this.#learning = Array.from({ length: channels }, () => []);
    this.#bands = new Array(channels).fill(undefined);
  }

  score(row: readonly number[]): number {
    let combined = 0;
    this.#bands.forEach((band, channel) => {
      const x = row[channel] as number;
      if (!Number.isFinite(x)) return;
      if (band === undefined) {
        const learning = this.#learning[channel] as number[];
        learning.push(x);
        if (learning.length === this.#learnReadings) this.#bands[channel] = bandOf(learning);
        return;
      }
      const e = Math.abs(x - band.centre) / band.spread;
      const score = e / (e + 1);
      if (score > combined) combined = score;
    });
    return combined;
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/**
 * A channel that hardly moved while learning (integer µg/m³ of SO2 at 2 for a week) has a 95th
 * percentile of 0; its band is then its largest deviation, or, if it never moved at all, 1 % of
 * its level (1 for a level of 0), so that every later wiggle does not score as infinitely far.
 */
function bandOf(values: readonly number[]): { centre: number; spread: number } {
  const centre = quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
  const deviations = values.map((value) => Math.abs(value - centre)).sort((a, b) => a - b);
  const spread = quantile(deviations, 0.95) || (deviations.at(-1) as number) || Math.abs(centre) / 100 || 1;
  return { centre, spread };
}
