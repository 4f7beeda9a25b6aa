import { colourChannels, ledPatterns, type LedState } from "./LedPatterns";

/** The pin-level interface of an ECMA-419 Digital output. */
export interface OutputPin {
  write(value: 0 | 1): void;
}

export interface LedTimer {
  set(callback: () => void, interval: number): unknown;
  clear(timer: unknown): void;
}

/**
 * Drives an RGB status LED (common cathode: 1 lights a channel) through the rhythm of the
 * current state. Changing to the state it is already in does not restart the rhythm, so
 * repeated reports of the same condition do not make the LED stutter. A held state (a firmware
 * update) is shown over whatever the board reports meanwhile; on release the board's latest
 * state comes back.
 */
export class StatusLed {
  readonly #pins: readonly [OutputPin, OutputPin, OutputPin];
  readonly #timer: LedTimer;
  readonly #onChange: (state: LedState) => void;
  #state: LedState | undefined;
  /** What the board last asked for, shown again when a hold ends. */
  #wanted: LedState | undefined;
  #held = false;
  #step = 0;
  #pending: unknown;

  constructor(options: { red: OutputPin; green: OutputPin; blue: OutputPin; timer: LedTimer; onChange: (state: LedState) => void }) {
    this.#pins = [options.red, options.green, options.blue];
    this.#timer = options.timer;
    this.#onChange = options.onChange;
  }

  get state(): LedState | undefined {
    return this.#state;
  }

  show(state: LedState): void {
    this.#wanted = state;
    if (!this.#held) this.#display(state);
  }

  /** Shows `state` until `release`, whatever `show` is told meanwhile. */
  hold(state: LedState): void {
    this.#held = true;
    this.#display(state);
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#wanted !== undefined) this.#display(this.#wanted);
  }

  #display(state: LedState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#step = 0;
    this.#timer.clear(this.#pending);
    this.#pending = undefined;
    this.#onChange(state);
    this.#advance();
  }

  close(): void {
    this.#timer.clear(this.#pending);
    this.#pending = undefined;
    this.#light(false);
  }

  #advance(): void {
    const pattern = ledPatterns[this.#state ?? "booting"];
    const rhythm = pattern.rhythm;
    const on = this.#step % 2 === 0;
    this.#light(on);
    if (rhythm.length === 1) return;
    const duration = rhythm[this.#step % rhythm.length] ?? 1000;
    this.#step = (this.#step + 1) % rhythm.length;
    this.#pending = this.#timer.set(() => this.#advance(), duration);
  }

  #light(on: boolean): void {
    const channels = colourChannels[ledPatterns[this.#state ?? "booting"].colour];
    this.#pins.forEach((pin, i) => pin.write(on ? channels[i]! : 0));
  }
}
