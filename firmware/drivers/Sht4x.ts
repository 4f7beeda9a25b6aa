/*
 * Sensirion SHT4x temperature and humidity sensor (SHT40/41/43/45), I2C.
 * Datasheet: Sensirion, "SHT4x Datasheet", version 6 (February 2023).
 */

import Timer from "timer";
import type { I2cIo, I2cSensor } from "./I2cIo";
import { sensirionCrc8 } from "./SensirionCrc8";

export type Sht4xRepeatability = "high" | "medium" | "low";

/**
 * Measurement commands and their longest duration, from the datasheet's system timing
 * specifications: t_MEAS max 8.3 ms (high), 4.5 ms (medium) and 1.6 ms (low repeatability).
 * Version 1 of the datasheet gave 8.2 and 1.7 ms; the later figures are used.
 */
const measurements: Readonly<Record<Sht4xRepeatability, { readonly command: number; readonly maxMs: number }>> = Object.freeze({
  high: { command: 0xfd, maxMs: 8.3 },
  medium: { command: 0xf6, maxMs: 4.5 },
  low: { command: 0xe0, maxMs: 1.6 },
});

const READ_SERIAL_NUMBER = 0x89;
/** The datasheet gives no duration for the serial number; Sensirion's reference driver waits 10 ms. */
const SERIAL_NUMBER_WAIT_MS = 10;
const SOFT_RESET = 0x94;
/** Soft reset time, max (datasheet system timing specifications). */
const SOFT_RESET_MAX_MS = 1;
const DEFAULT_ADDRESS = 0x44;

export interface Sht4xOptions {
  sensor: I2cSensor;
  /** 0x44 for the SHT4x-A parts; 0x45 and 0x46 for the -B and -C parts. */
  address?: number;
  onError?: (error: string) => void;
  /** A blocking wait, as Moddable's `Timer.delay`; tests pass one that advances a simulated clock. */
  delay?: (ms: number) => void;
}

export interface Sht4xSample {
  thermometer?: { temperature: number };
  hygrometer?: { humidity: number };
}

/** °C from the temperature word (datasheet conversion formula). */
export function sht4xTemperature(word: number): number {
  return -45 + (175 * word) / 65535;
}

/**
 * %RH from the humidity word. The formula reaches −6 and 119 %RH at the ends of the word's range;
 * the datasheet tells the reader to crop to 0…100, since values outside it are not physical.
 */
export function sht4xHumidity(word: number): number {
  const humidity = -6 + (125 * word) / 65535;
  return humidity < 0 ? 0 : humidity > 100 ? 100 : humidity;
}

function hex(byte: number): string {
  return "0x" + byte.toString(16).toUpperCase().padStart(2, "0");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export default class Sht4x {
  readonly #io: I2cIo;
  readonly #onError: ((error: string) => void) | undefined;
  readonly #delay: (ms: number) => void;
  readonly #command = new Uint8Array(1);
  readonly #reply = new Uint8Array(6);
  #measurement = measurements.high;

  constructor(options: Sht4xOptions) {
    const { sensor } = options;
    this.#io = new sensor.io({ ...sensor, address: options.address ?? DEFAULT_ADDRESS });
    this.#onError = options.onError;
    this.#delay = options.delay ?? Timer.delay;
  }

  configure(options: { repeatability?: Sht4xRepeatability }): void {
    const { repeatability } = options;
    if (repeatability === undefined) return;
    if (!Object.hasOwn(measurements, repeatability))
      throw new RangeError(`SHT4x repeatability must be "high", "medium" or "low", not ${String(repeatability)}`);
    this.#measurement = measurements[repeatability];
  }

  /**
   * Measures once. A word whose CRC is wrong is left out (and reported), so a corrupted value never
   * reaches the caller; a sensor that does not answer gives undefined.
   */
  sample(): Sht4xSample | undefined {
    const { command, maxMs } = this.#measurement;
    // XS's Timer.delay takes whole milliseconds, so round up rather than read too early.
    if (!this.#transfer(command, Math.ceil(maxMs), "measurement")) return undefined;
    const reply = this.#reply;
    const result: Sht4xSample = {};
    if (this.#wordValid("temperature", 0)) result.thermometer = { temperature: sht4xTemperature((reply[0]! << 8) | reply[1]!) };
    if (this.#wordValid("humidity", 3)) result.hygrometer = { humidity: sht4xHumidity((reply[3]! << 8) | reply[4]!) };
    return result;
  }

  /** The chip's unique 32-bit serial number, or undefined if it did not answer or a CRC was wrong. */
  readSerialNumber(): number | undefined {
    if (!this.#transfer(READ_SERIAL_NUMBER, SERIAL_NUMBER_WAIT_MS, "serial number")) return undefined;
    if (!this.#wordValid("serial number high word", 0) || !this.#wordValid("serial number low word", 3)) return undefined;
    const reply = this.#reply;
    return ((reply[0]! << 8) | reply[1]!) * 0x10000 + ((reply[3]! << 8) | reply[4]!);
  }

  /** Soft reset: the chip reloads its calibration and is ready again after SOFT_RESET_MAX_MS. */
  reset(): void {
    try {
      this.#command[0] = SOFT_RESET;
      this.#io.write(this.#command);
      this.#delay(SOFT_RESET_MAX_MS);
    } catch (error) {
      this.#onError?.(`SHT4x soft reset failed: ${describe(error)}`);
    }
  }

  close(): void {
    this.#io.close?.();
  }

  /**
   * Writes a one-byte command, waits, reads the 6-byte reply; false (reported) if the chip NACKed.
   * A chip that took the command but still NACKs its read after the longest duration is a hung
   * measurement, not a missing chip, and is reported as such.
   */
  #transfer(command: number, waitMs: number, what: string): boolean {
    try {
      this.#command[0] = command;
      this.#io.write(this.#command);
    } catch (error) {
      this.#onError?.(`SHT4x ${what} failed: ${describe(error)}`);
      return false;
    }
    this.#delay(waitMs);
    try {
      this.#io.read(this.#reply);
      return true;
    } catch (error) {
      this.#onError?.(`SHT4x ${what}: no answer after ${waitMs} ms (${describe(error)})`);
      return false;
    }
  }

  #wordValid(what: string, offset: number): boolean {
    const expected = sensirionCrc8(this.#reply, offset, offset + 2);
    const received = this.#reply[offset + 2]!;
    if (received === expected) return true;
    this.#onError?.(`SHT4x ${what} CRC ${hex(received)}, expected ${hex(expected)}`);
    return false;
  }
}
