/**
 * The board's simulated GPIO: output levels the firmware drives (LEDs, a sensor's SET line) and
 * input levels models drive. Listeners let a device model react to its control pin.
 */
export interface PinChange {
  readonly at: number;
  readonly pin: number;
  readonly value: 0 | 1;
}

export class DigitalPins {
  readonly #levels = new Map<number, 0 | 1>();
  readonly #listeners = new Map<number, ((value: 0 | 1, now: number) => void)[]>();
  readonly changes: PinChange[] = [];
  readonly #keep: number;

  constructor(options: { keepChanges?: number } = {}) {
    this.#keep = options.keepChanges ?? 10_000;
  }

  /** Level of a pin; an undriven pin reads as `fallback` (pulled up by default, as ESP32 inputs with pull-ups do). */
  read(pin: number, fallback: 0 | 1 = 1): 0 | 1 {
    return this.#levels.get(pin) ?? fallback;
  }

  write(pin: number, value: 0 | 1, now: number): void {
    if (this.#levels.get(pin) === value) return;
    this.#levels.set(pin, value);
    this.changes.push({ at: now, pin, value });
    if (this.changes.length > this.#keep) this.changes.splice(0, this.changes.length - this.#keep);
    for (const listener of this.#listeners.get(pin) ?? []) listener(value, now);
  }

  onChange(pin: number, listener: (value: 0 | 1, now: number) => void): void {
    this.#listeners.set(pin, [...(this.#listeners.get(pin) ?? []), listener]);
  }
}
