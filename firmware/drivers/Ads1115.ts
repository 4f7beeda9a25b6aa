/*
 * Texas Instruments ADS1115 16-bit delta-sigma ADC, I2C (0x48…0x4B, set by the ADDR pin).
 * Datasheet: TI SBAS444, "ADS111x Ultra-Small, Low-Power, I2C-Compatible, 860-SPS, 16-Bit ADCs".
 *
 * Used in single-shot mode only: each read starts one conversion on one input against GND, waits
 * for it, checks the OS bit, then reads the result. Between reads the chip powers itself down.
 */

import Timer from "timer";
import type { I2cIo, I2cSensor } from "./I2cIo";

/** Pointer register values (datasheet "Address Pointer Register"). */
const CONVERSION_REGISTER = 0x00;
const CONFIG_REGISTER = 0x01;

/** Config register fields (datasheet "Config Register"). */
const OS_START = 0x8000;
const MUX_SINGLE_ENDED = 0b100; // MUX 100…111: AIN0…AIN3 against GND
const MODE_SINGLE_SHOT = 0x0100;
/** COMP_QUE = 11: comparator off and ALERT/RDY high-impedance, as after reset; the board does not wire ALERT. */
const COMPARATOR_OFF = 0x0003;

/** PGA field for each full-scale range, mV (±FSR; LSB = FSR / 32768). */
const pgaCodes: ReadonlyMap<number, number> = new Map([
  [6144, 0b000],
  [4096, 0b001],
  [2048, 0b010],
  [1024, 0b011],
  [512, 0b100],
  [256, 0b101],
]);

/** DR field for each data rate, samples per second. */
const dataRateCodes: ReadonlyMap<number, number> = new Map([
  [8, 0b000],
  [16, 0b001],
  [32, 0b010],
  [64, 0b011],
  [128, 0b100],
  [250, 0b101],
  [475, 0b110],
  [860, 0b111],
]);

/**
 * The datasheet gives the data rate to ±10 % (internal oscillator) and about 25 µs for the chip to
 * power up after OS is written; the first status read comes after the slowest such conversion.
 */
const OSCILLATOR_TOLERANCE = 1.1;
const POWER_UP_MS = 0.025;
/** A conversion still running after the worst-case time is polled this many more times, 1 ms apart, before giving up. */
const EXTRA_STATUS_READS = 2;
const POLL_INTERVAL_MS = 1;
const DEFAULT_ADDRESS = 0x48;

export interface Ads1115Options {
  sensor: I2cSensor;
  /** 0x48 (ADDR to GND), 0x49 (VDD), 0x4A (SDA), 0x4B (SCL). */
  address?: number;
  /** Every reason starts with "ADS1115 0x48 " (the chip's address), so a board with two can tell them apart. */
  onError?: (error: string) => void;
  /** A blocking wait, as Moddable's `Timer.delay`; tests pass one that advances a simulated clock. */
  delay?: (ms: number) => void;
}

/** A single-ended input, AINx against GND. */
export type Ads1115Input = 0 | 1 | 2 | 3;
export type Ads1115FullScaleMv = 6144 | 4096 | 2048 | 1024 | 512 | 256;
export type Ads1115DataRate = 8 | 16 | 32 | 64 | 128 | 250 | 475 | 860;

/** The config word that starts a single-shot conversion of `input` against GND. */
export function ads1115ConfigWord(input: Ads1115Input, fullScaleMv: Ads1115FullScaleMv, samplesPerSecond: Ads1115DataRate): number {
  const pga = pgaCodes.get(fullScaleMv);
  const dataRate = dataRateCodes.get(samplesPerSecond);
  if (pga === undefined || dataRate === undefined) throw new RangeError(`ADS1115 has no ±${fullScaleMv} mV range at ${samplesPerSecond} SPS`);
  return OS_START | ((MUX_SINGLE_ENDED | input) << 12) | (pga << 9) | MODE_SINGLE_SHOT | (dataRate << 5) | COMPARATOR_OFF;
}

/** mV for a conversion code (two's complement) at a full-scale range: code × FSR / 32768. */
export function ads1115Millivolts(code: number, fullScaleMv: number): number {
  return (code * fullScaleMv) / 32768;
}

/** Whole milliseconds to wait before the first status read: the slowest conversion the datasheet allows, rounded up. */
export function ads1115ConversionWaitMs(samplesPerSecond: number): number {
  return Math.ceil((1000 / samplesPerSecond) * OSCILLATOR_TOLERANCE + POWER_UP_MS);
}

function hex(value: number, digits: number): string {
  return "0x" + value.toString(16).toUpperCase().padStart(digits, "0");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export default class Ads1115 {
  readonly #io: I2cIo;
  readonly #onError: ((error: string) => void) | undefined;
  readonly #delay: (ms: number) => void;
  readonly #name: string;
  readonly #configWrite = new Uint8Array(3);
  readonly #pointer = new Uint8Array(1);
  readonly #register = new Uint8Array(2);
  // The chip's reset values (config 0x8583): ±2.048 V, 128 SPS.
  #fullScaleMv: Ads1115FullScaleMv = 2048;
  #samplesPerSecond: Ads1115DataRate = 128;

  constructor(options: Ads1115Options) {
    const { sensor } = options;
    const address = options.address ?? DEFAULT_ADDRESS;
    if (!Number.isInteger(address) || address < 0x48 || address > 0x4b) throw new RangeError(`ADS1115 address must be 0x48…0x4B, not ${String(address)}`);
    this.#name = `ADS1115 0x${address.toString(16)}`;
    this.#io = new sensor.io({ ...sensor, address });
    this.#onError = options.onError;
    this.#delay = options.delay ?? Timer.delay;
  }

  configure(options: { fullScaleMv?: Ads1115FullScaleMv; samplesPerSecond?: Ads1115DataRate }): void {
    const { fullScaleMv, samplesPerSecond } = options;
    if (fullScaleMv !== undefined && !pgaCodes.has(fullScaleMv))
      throw new RangeError(`ADS1115 full scale must be one of 6144, 4096, 2048, 1024, 512, 256 mV, not ${String(fullScaleMv)}`);
    if (samplesPerSecond !== undefined && !dataRateCodes.has(samplesPerSecond))
      throw new RangeError(`ADS1115 data rate must be one of 8, 16, 32, 64, 128, 250, 475, 860 SPS, not ${String(samplesPerSecond)}`);
    if (fullScaleMv !== undefined) this.#fullScaleMv = fullScaleMv;
    if (samplesPerSecond !== undefined) this.#samplesPerSecond = samplesPerSecond;
  }

  /**
   * One single-shot conversion of `input` against GND, in mV. Undefined, with the reason reported,
   * if the chip NACKs, the conversion never completes, or the code sits at either end of the range:
   * 0x7FFF and 0x8000 mean "at or beyond full scale", so the true voltage is unknown.
   */
  readMillivolts(input: Ads1115Input): number | undefined {
    if (input !== 0 && input !== 1 && input !== 2 && input !== 3) throw new RangeError(`ADS1115 input must be 0…3, not ${String(input)}`);
    const what = `${this.#name} AIN${input}`;
    const config = ads1115ConfigWord(input, this.#fullScaleMv, this.#samplesPerSecond);
    const write = this.#configWrite;
    write[0] = CONFIG_REGISTER;
    write[1] = config >> 8;
    write[2] = config & 0xff;
    try {
      this.#io.write(write);
    } catch (error) {
      this.#onError?.(`${what} conversion start failed: ${describe(error)}`);
      return undefined;
    }
    // Writing the config left the pointer on the config register, so status reads need no pointer write.
    this.#delay(ads1115ConversionWaitMs(this.#samplesPerSecond));
    for (let reads = 0; ; reads++) {
      const status = this.#readRegister(what, "status");
      if (status === undefined) return undefined;
      if (status & OS_START) break;
      if (reads === EXTRA_STATUS_READS) {
        this.#onError?.(`${what} conversion never completed (OS bit still 0 after ${reads + 1} status reads)`);
        return undefined;
      }
      this.#delay(POLL_INTERVAL_MS);
    }
    try {
      this.#pointer[0] = CONVERSION_REGISTER;
      this.#io.write(this.#pointer);
    } catch (error) {
      this.#onError?.(`${what} result pointer write failed: ${describe(error)}`);
      return undefined;
    }
    const word = this.#readRegister(what, "result");
    if (word === undefined) return undefined;
    if (word === 0x7fff || word === 0x8000) {
      const sign = word === 0x7fff ? "+" : "−";
      this.#onError?.(`${what} conversion saturated at ${hex(word, 4)} (input at or beyond ${sign}${this.#fullScaleMv} mV full scale)`);
      return undefined;
    }
    return ads1115Millivolts(word & 0x8000 ? word - 0x10000 : word, this.#fullScaleMv);
  }

  close(): void {
    this.#io.close?.();
  }

  /** Reads the register the pointer is on, big-endian; undefined (reported) on a NACK. */
  #readRegister(what: string, register: string): number | undefined {
    try {
      this.#io.read(this.#register);
    } catch (error) {
      this.#onError?.(`${what} ${register} read failed: ${describe(error)}`);
      return undefined;
    }
    return (this.#register[0]! << 8) | this.#register[1]!;
  }
}
