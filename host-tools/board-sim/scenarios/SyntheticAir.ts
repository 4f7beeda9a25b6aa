/**
 * Air for simulated sensors to measure: a daily cycle (cool, damp, clean nights; warm, dry
 * afternoons; a traffic peak in particulates at 08:00 and 18:00 local time) plus a smooth
 * per-board wobble. A pure function of wall time and the board's seed, so a run is repeatable and
 * two boards in the same room still differ.
 */
export interface AirSample {
  readonly temperature: number;
  readonly humidity: number;
  readonly pm1: number;
  readonly pm2_5: number;
  readonly pm10: number;
  /** Gas mixing ratios, ppb. */
  readonly co: number;
  readonly no2: number;
  readonly so2: number;
  readonly o3: number;
}

const DAY_MS = 86_400_000;

export class SyntheticAir {
  readonly #phase: number;
  readonly #offset: number;

  constructor(seed: number) {
    this.#phase = ((seed * 2654435761) >>> 0) / 0x1_0000_0000;
    this.#offset = (this.#phase - 0.5) * 2;
  }

  at(epochMs: number): AirSample {
    const dayFraction = (((epochMs % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
    const daily = Math.sin(2 * Math.PI * (dayFraction - 0.375));
    const wobble = Math.sin(2 * Math.PI * (epochMs / 600_000 + this.#phase)) * 0.3;
    const traffic = Math.exp(-(((dayFraction - 8 / 24) * 24) ** 2)) + Math.exp(-(((dayFraction - 18 / 24) * 24) ** 2));
    const pm2_5 = Math.max(0, 6 + 3 * this.#offset + 14 * traffic + 2 * wobble);
    return {
      temperature: 19 + this.#offset + 4 * daily + wobble,
      humidity: Math.min(100, Math.max(0, 55 - 12 * daily - 2 * this.#offset + 3 * wobble)),
      pm1: Math.round(pm2_5 * 0.65),
      pm2_5: Math.round(pm2_5),
      pm10: Math.round(pm2_5 * 1.6 + 2),
      // Traffic brings CO and NO2; ozone builds in the afternoon sun and is eaten by fresh NO at the rush hours.
      co: Math.max(0, 250 + 60 * this.#offset + 600 * traffic + 20 * wobble),
      no2: Math.max(0, 12 + 2 * this.#offset + 25 * traffic + wobble),
      so2: Math.max(0, 3 + 0.5 * this.#offset + 2 * traffic + 0.2 * wobble),
      o3: Math.max(0, 28 + 18 * daily - 10 * traffic + 2 * wobble),
    };
  }
}
