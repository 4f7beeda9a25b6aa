/*
 * Plantower PMS5003 particulate matter sensor, UART 9600 8N1.
 * Datasheet: Plantower, "PMS5003 series data manual", V2.3 (2016).
 */

import { Pms5003FrameParser, type Pms5003Counts, type Pms5003Frame } from "./Pms5003FrameParser";

export type Pms5003Mode = "active" | "passive";

/** "Stable data should be got at least 30 seconds after the sensor wakeup from the sleep mode because of the fan's performance." */
const WARM_UP_MS = 30_000;
/** How long a frame stays the current reading: two active-mode intervals (2 × 2.3 s) and a margin. */
const FRESH_MS = 5_000;

/** Command codes (datasheet appendix II); each goes out as 42 4D code 00 data, then the 16-bit sum of those five bytes. */
const CHANGE_MODE = 0xe1;
const READ_PASSIVE = 0xe2;
const SLEEP_SET = 0xe4;

/** The options an ECMA-419 Serial class (`embedded:io/serial`) takes that this driver passes on. */
export interface Pms5003SerialOptions {
  port: number;
  receive: number;
  transmit: number;
  baud: number;
  format: "buffer";
  onReadable: (bytes: number) => void;
}

/** The part of an ECMA-419 Serial instance this driver uses. */
export interface Pms5003Serial {
  /** In "buffer" format, reads what has arrived into `buffer` and returns the count; undefined when nothing has. */
  read(buffer: Uint8Array): number | undefined;
  write(bytes: Uint8Array): void;
  close(): void;
}

/** The part of an ECMA-419 Digital output this driver uses for the SET pin. */
export interface Pms5003SetPin {
  write(value: 0 | 1): void;
}

export interface Pms5003Options {
  sensor: { io: new (options: Pms5003SerialOptions) => Pms5003Serial; port: number; receive: number; transmit: number; baud?: number };
  /**
   * The SET pin (data manual: high or floating works, low sleeps), when the board wires it. With it,
   * sleep and wake do not depend on a command getting through; without it they go as commands.
   */
  set?: Pms5003SetPin;
  onError?: (error: string) => void;
  /**
   * Milliseconds from a clock that only moves forward, for the warm-up after power-up and wake.
   * The default, `Date.now`, jumps forward when SNTP first sets the time, which can end one warm-up early.
   */
  now?: () => number;
}

export interface Pms5003Sample {
  /** Atmospheric-environment concentrations, µg/m³. */
  pm1: number;
  pm2_5: number;
  pm10: number;
  counts: Pms5003Counts;
  /** The frame came within 30 s of power-up or wake: the fan was not yet at speed. */
  warming: boolean;
  /** Counts the frames received, so a caller sampling faster than frames arrive can tell a new frame from the same one. */
  frame: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A laser or fan that has failed gives frames whose every measurement is zero; real air always has some particles. */
function everyValueZero(frame: Pms5003Frame): boolean {
  const { standard: s, atmospheric: a, counts: c } = frame;
  return s.pm1 + s.pm2_5 + s.pm10 + a.pm1 + a.pm2_5 + a.pm10 + c.over0_3 + c.over0_5 + c.over1_0 + c.over2_5 + c.over5_0 + c.over10 === 0;
}

export default class Pms5003 {
  readonly #io: Pms5003Serial;
  readonly #onError: ((error: string) => void) | undefined;
  readonly #now: () => number;
  readonly #parser: Pms5003FrameParser;
  readonly #command = new Uint8Array(7);
  /** The ESP32 UART's receive FIFO is 128 bytes, so one read never returns more. */
  readonly #received = new Uint8Array(128);
  #latest: Pms5003Sample | undefined;
  #latestAt = 0;
  #frames = 0;
  readonly #set: Pms5003SetPin | undefined;
  /** The sensor's fan starts at power-up as it does on wake, so construction counts as a wake. */
  #wokeAt: number;

  constructor(options: Pms5003Options) {
    const { sensor } = options;
    this.#onError = options.onError;
    this.#set = options.set;
    this.#set?.write(1);
    this.#now = options.now ?? Date.now;
    this.#wokeAt = this.#now();
    this.#parser = new Pms5003FrameParser({
      onFrame: (frame) => this.#onFrame(frame),
      onBadFrame: (reason) => this.#onError?.(reason),
    });
    this.#io = new sensor.io({
      ...sensor,
      baud: sensor.baud ?? 9600,
      format: "buffer",
      onReadable: () => {
        for (let count = this.#io.read(this.#received); count !== undefined && count > 0; count = this.#io.read(this.#received))
          this.#parser.push(this.#received, count);
      },
    });
  }

  /** Active: the sensor sends a frame on its own every 2.3 s (200–800 ms while readings change fast). Passive: only when asked. */
  configure(options: { mode?: Pms5003Mode }): void {
    const { mode } = options;
    if (mode === undefined) return;
    if (mode !== "active" && mode !== "passive") throw new RangeError(`PMS5003 mode must be "active" or "passive", not ${String(mode)}`);
    this.#send(CHANGE_MODE, mode === "active" ? 1 : 0, `${mode} mode`);
  }

  /** In passive mode, asks for one frame (33 ms on the wire at 9600 baud); the first sample() after it arrives returns it. */
  requestRead(): void {
    this.#send(READ_PASSIVE, 0, "read");
  }

  /** Stops the fan and laser, which lasts longer the less it runs; the sensor sends nothing until wake(). */
  sleep(): void {
    this.#latest = undefined;
    if (this.#set) this.#set.write(0);
    else this.#send(SLEEP_SET, 0, "sleep");
  }

  /** Starts the fan again; frames within 30 s of now come marked as warming. */
  wake(): void {
    this.#wokeAt = this.#now();
    if (this.#set) this.#set.write(1);
    else this.#send(SLEEP_SET, 1, "wake");
  }

  /**
   * The latest valid frame while it is fresh. In active mode a frame comes every 2.3 s, so a board
   * sampling faster sees the same frame twice rather than a gap; only when frames stop for longer
   * than FRESH_MS is there no sample, which the board reports as a fault.
   */
  sample(): Pms5003Sample | undefined {
    if (!this.#latest || this.#now() - this.#latestAt > FRESH_MS) return undefined;
    return this.#latest;
  }

  /** Within WARM_UP_MS of power-up or wake: frames, if any come, are not yet readings. */
  get warming(): boolean {
    return this.#now() - this.#wokeAt < WARM_UP_MS;
  }

  close(): void {
    this.#io.close();
  }

  #onFrame(frame: Pms5003Frame): void {
    const warming = this.warming;
    if (everyValueZero(frame)) {
      // While the fan spins up, zero frames are expected; afterwards they mean the sensor has failed. Either way they are not readings.
      if (!warming) this.#onError?.("PMS5003 frame has every value zero: its laser or fan has failed");
      return;
    }
    const { pm1, pm2_5, pm10 } = frame.atmospheric;
    this.#frames++;
    this.#latest = { pm1, pm2_5, pm10, counts: frame.counts, warming, frame: this.#frames };
    this.#latestAt = this.#now();
  }

  #send(code: number, data: number, what: string): void {
    const command = this.#command;
    command[0] = 0x42;
    command[1] = 0x4d;
    command[2] = code;
    command[3] = 0;
    command[4] = data;
    const sum = 0x42 + 0x4d + code + data;
    command[5] = sum >> 8;
    command[6] = sum & 0xff;
    try {
      this.#io.write(command);
    } catch (error) {
      this.#onError?.(`PMS5003 ${what} command not sent: ${describe(error)}`);
    }
  }
}
