/**
 * The board's simulated GPIO: output levels the firmware drives (LEDs, a sensor's SET line) and
 * input levels models drive. Listeners let a device model react to its control pin.
 */
import { TEST_TRACES, TraceRing } from "./TraceRing.ts";

export interface PinChange {
  readonly at: number;
  readonly pin: number;
  readonly value: 0 | 1;
}

export class DigitalPins {
  readonly #levels = new Map<number, 0 | 1>();
  readonly #listeners = new Map<number, ((value: 0 | 1, now: number) => void)[]>();
  readonly #trace: TraceRing<PinChange>;

  constructor(options: { keepChanges?: number } = {}) {
    this.#trace = new TraceRing(options.keepChanges ?? TEST_TRACES.pinChanges);
  }

  /** The latest output changes, oldest first (`keepChanges` of them). */
  get changes(): PinChange[] {
    return this.#trace.items();
  }

  /** Level of a pin; an undriven pin reads as `fallback` (pulled up by default, as ESP32 inputs with pull-ups do). */
  read(pin: number, fallback: 0 | 1 = 1): 0 | 1 {
    return this.#levels.get(pin) ?? fallback;
  }

  write(pin: number, value: 0 | 1, now: number): void {
    if (this.#levels.get(pin) === value) return;
    this.#levels.set(pin, value);
    this.#trace.push({ at: now, pin, value });
    for (const listener of this.#listeners.get(pin) ?? []) listener(value, now);
  }

  onChange(pin: number, listener: (value: 0 | 1, now: number) => void): void {
    this.#listeners.set(pin, [...(this.#listeners.get(pin) ?? []), listener]);
  }
}
