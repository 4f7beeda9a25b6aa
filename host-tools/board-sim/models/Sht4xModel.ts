import { sensirionCrc8 } from "../../../firmware/drivers/SensirionCrc8";
import type { I2cTarget } from "../board/I2cBus.ts";

/**
 * A Sensirion SHT4x on the simulated I2C bus, answering as the datasheet (version 6, February
 * 2023) describes:
 *
 * - a measurement command (0xFD, 0xF6, 0xE0) starts a measurement that takes the datasheet's
 *   longest duration (8.3, 4.5, 1.6 ms). Until it ends the chip NACKs its address, both for a
 *   read (the datasheet's "not yet ready") and for a new command;
 * - the read then returns temperature word, CRC, humidity word, CRC, once: a second read NACKs;
 * - 0x89 returns the serial number as two words with CRCs;
 * - 0x94 soft-resets: the chip drops any result and NACKs for the 1 ms soft reset time;
 * - any other command NACKs. That includes the heater commands (0x39 … 0x15), which a real chip
 *   accepts but this model does not simulate.
 */

export interface ClimateReading {
  /** °C */
  readonly temperature: number;
  /** %RH */
  readonly humidity: number;
}

export interface Sht4xFaults {
  /** Send the named word(s) with a wrong CRC. */
  crc?: "temperature" | "humidity" | "both";
  /** NACK everything, as a chip with a broken bond wire or no power does. */
  nack?: boolean;
  /** Keep answering with the words of the last measurement made before the fault (correct CRCs): a frozen sensor. */
  stuck?: boolean;
  /** Accept the measurement command, then never finish it: every read NACKs, as a chip stuck mid-conversion does. */
  timeout?: boolean;
  /** Report this temperature word (correct CRC) instead of the measured one, e.g. 0xFFFF = 130 °C, beyond the part's −40…125 °C. */
  temperatureWord?: number;
}

export interface Sht4xModelOptions {
  address?: number;
  serialNumber?: number;
  reading?: ClimateReading;
}

/** Longest measurement durations, datasheet system timing specifications. */
const measurementMs: ReadonlyMap<number, number> = new Map([
  [0xfd, 8.3],
  [0xf6, 4.5],
  [0xe0, 1.6],
]);
const READ_SERIAL_NUMBER = 0x89;
const SOFT_RESET = 0x94;
const SOFT_RESET_MS = 1;

/** The inverse of the datasheet conversion: the word a chip reports for `celsius`. */
export function sht4xTemperatureWord(celsius: number): number {
  return clampWord(Math.round(((celsius + 45) * 65535) / 175));
}

/** The inverse of the datasheet conversion: the word a chip reports for `percent` RH. */
export function sht4xHumidityWord(percent: number): number {
  return clampWord(Math.round(((percent + 6) * 65535) / 125));
}

function clampWord(word: number): number {
  return Math.min(0xffff, Math.max(0, word));
}

/** Two words, each followed by its CRC, as every SHT4x reply is laid out. */
function reply(first: number, second: number): Uint8Array {
  const bytes = Uint8Array.of(first >> 8, first & 0xff, 0, second >> 8, second & 0xff, 0);
  bytes[2] = sensirionCrc8(bytes, 0, 2);
  bytes[5] = sensirionCrc8(bytes, 3, 5);
  return bytes;
}

export class Sht4xModel implements I2cTarget {
  readonly address: number;
  readonly serialNumber: number;
  faults: Sht4xFaults = {};
  /** Where measurements come from; `set()` replaces it with a constant. */
  source: (now: number) => ClimateReading;
  /** The reply waiting to be read, and when the chip has it ready. */
  #pending: { bytes: Uint8Array; readyAt: number } | undefined;
  /** Until then the chip is measuring or resetting and acknowledges nothing. */
  #busyUntil = -Infinity;
  #lastMeasurement: Uint8Array | undefined;

  constructor(options: Sht4xModelOptions = {}) {
    this.address = options.address ?? 0x44;
    this.serialNumber = options.serialNumber ?? 0x0a1b2c3d;
    const reading = options.reading ?? { temperature: 21.5, humidity: 45 };
    this.source = () => reading;
  }

  set(reading: ClimateReading): void {
    this.source = () => reading;
  }

  write(data: Uint8Array, now: number): "ack" | "nack" {
    if (this.faults.nack || now < this.#busyUntil) return "nack";
    // An address-only write is how a controller probes for a device; the chip acknowledges it.
    if (data.length === 0) return "ack";
    const command = data[0]!;
    if (data.length !== 1) return "nack";
    const duration = measurementMs.get(command);
    if (duration !== undefined) {
      const measured = this.faults.stuck && this.#lastMeasurement ? this.#lastMeasurement : this.#measure(now);
      this.#lastMeasurement = measured;
      this.#pending = { bytes: this.#withCrcFault(measured), readyAt: this.faults.timeout ? Infinity : now + duration };
      this.#busyUntil = now + duration;
      return "ack";
    }
    if (command === READ_SERIAL_NUMBER) {
      this.#pending = { bytes: reply(Math.floor(this.serialNumber / 0x10000), this.serialNumber & 0xffff), readyAt: now };
      return "ack";
    }
    if (command === SOFT_RESET) {
      this.#pending = undefined;
      this.#busyUntil = now + SOFT_RESET_MS;
      return "ack";
    }
    return "nack";
  }

  read(length: number, now: number): Uint8Array | "nack" {
    const pending = this.#pending;
    if (this.faults.nack || !pending || now < pending.readyAt) return "nack";
    this.#pending = undefined;
    // A controller may stop early (NACK) after any byte; past the reply the chip leaves SDA released, which reads 0xFF.
    const bytes = new Uint8Array(length).fill(0xff);
    bytes.set(pending.bytes.subarray(0, Math.min(length, pending.bytes.length)));
    return bytes;
  }

  #withCrcFault(measured: Uint8Array): Uint8Array {
    const crc = this.faults.crc;
    if (crc === undefined) return measured;
    const bytes = measured.slice();
    if (crc === "temperature" || crc === "both") bytes[2] = bytes[2]! ^ 0xff;
    if (crc === "humidity" || crc === "both") bytes[5] = bytes[5]! ^ 0xff;
    return bytes;
  }

  #measure(now: number): Uint8Array {
    const { temperature, humidity } = this.source(now);
    return reply(this.faults.temperatureWord ?? sht4xTemperatureWord(temperature), sht4xHumidityWord(humidity));
  }
}
