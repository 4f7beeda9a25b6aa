import type { I2cTarget } from "../board/I2cBus.ts";

/**
 * A TI ADS1115 on the simulated I2C bus, answering as the datasheet (SBAS444) describes:
 *
 * - a 1-byte write sets the address pointer (P[1:0]: 0 conversion, 1 config, 2 Lo_thresh,
 *   3 Hi_thresh); a 3-byte write sets the pointer and writes the register, most significant byte
 *   first. The conversion register is read-only: a write to it is acknowledged and ignored;
 * - a read returns the register the pointer is on, most significant byte first;
 * - config resets to 0x8583. Writing OS = 1 in single-shot mode (MODE = 1) while powered down starts
 *   one conversion; OS reads 0 until it completes, and a write of OS = 1 meanwhile has no effect.
 *   The conversion takes the slowest time the datasheet allows (1/DR with the oscillator 10 % slow,
 *   plus 25 µs power-up), so a driver that waits only the nominal 1/DR finds it still converting;
 * - the result is the input at the start of the conversion, in LSBs of FSR/32768, rounded, and
 *   clipped to 0x7FFF / 0x8000 at ± full scale. MUX 100…111 read AIN0…AIN3 against GND; the four
 *   differential settings are modelled too.
 *
 * Not modelled: continuous-conversion mode (MODE = 0 is stored, but no conversion runs), the
 * comparator and ALERT/RDY pin, and the general-call reset. Writes of another length, or a pointer
 * byte with its reserved bits 7:2 set, are refused (NACK) so a driver bug shows up in a test; the
 * datasheet does not say what a real chip does with them.
 */

export interface Ads1115Faults {
  /** NACK everything, as a chip without power or with a broken bond wire does. */
  nack?: boolean;
  /** A conversion in flight never finishes while this is set: OS reads 0 and the result register does not change. */
  neverReady?: boolean;
  /** The conversion register keeps its last value; OS still completes. */
  stuck?: boolean;
}

export interface Ads1115ModelOptions {
  /** 0x48 (default) … 0x4B. */
  address?: number;
  /** Millivolts at AIN0…AIN3 against GND at board time `now`. */
  inputs: (now: number) => readonly [number, number, number, number];
}

const CONFIG_RESET = 0x8583;
const LO_THRESH_RESET = 0x8000;
const HI_THRESH_RESET = 0x7fff;
const OS = 0x8000;
const MODE_SINGLE_SHOT = 0x0100;

const FULL_SCALE_MV: readonly number[] = [6144, 4096, 2048, 1024, 512, 256, 256, 256];
const DATA_RATE_SPS: readonly number[] = [8, 16, 32, 64, 128, 250, 475, 860];
/** The datasheet's worst case: internal oscillator ±10 %, about 25 µs to power up in single-shot mode. */
const OSCILLATOR_SLOWEST = 1.1;
const POWER_UP_MS = 0.025;

/** The conversion code for `millivolts` at a full-scale range: rounded to the LSB, clipped to the 16-bit range. */
export function ads1115Code(millivolts: number, fullScaleMv: number): number {
  const code = Math.round((millivolts * 32768) / fullScaleMv);
  return Math.min(0x7fff, Math.max(-0x8000, code));
}

/** The slowest conversion the datasheet allows at a config word's data rate, ms. */
export function ads1115ConversionMs(config: number): number {
  return (1000 / DATA_RATE_SPS[(config >> 5) & 0b111]!) * OSCILLATOR_SLOWEST + POWER_UP_MS;
}

export class Ads1115Model implements I2cTarget {
  readonly address: number;
  faults: Ads1115Faults = {};
  /** Where the input voltages come from. */
  inputs: (now: number) => readonly [number, number, number, number];
  #pointer = 0;
  /** Config without OS: OS is worked out from the conversion in flight. */
  #config = CONFIG_RESET & ~OS;
  #loThresh = LO_THRESH_RESET;
  #hiThresh = HI_THRESH_RESET;
  /** The conversion register, as an unsigned 16-bit word. */
  #conversion = 0;
  #inFlight: { readonly word: number; readonly readyAt: number } | undefined;

  constructor(options: Ads1115ModelOptions) {
    this.address = options.address ?? 0x48;
    this.inputs = options.inputs;
  }

  write(data: Uint8Array, now: number): "ack" | "nack" {
    if (this.faults.nack) return "nack";
    // An address-only write is how a controller probes for a device; the chip acknowledges it.
    if (data.length === 0) return "ack";
    const pointer = data[0]!;
    if (pointer & 0xfc || (data.length !== 1 && data.length !== 3)) return "nack";
    this.#settle(now);
    this.#pointer = pointer;
    if (data.length === 1) return "ack";
    const value = (data[1]! << 8) | data[2]!;
    if (pointer === 1) this.#writeConfig(value, now);
    else if (pointer === 2) this.#loThresh = value;
    else if (pointer === 3) this.#hiThresh = value;
    return "ack";
  }

  read(length: number, now: number): Uint8Array | "nack" {
    if (this.faults.nack) return "nack";
    this.#settle(now);
    const word = this.#register(this.#pointer);
    // A controller may stop early (NACK) after any byte; past the register the chip leaves SDA released, which reads 0xFF.
    const bytes = new Uint8Array(length).fill(0xff);
    bytes.set(Uint8Array.of(word >> 8, word & 0xff).subarray(0, Math.min(length, 2)));
    return bytes;
  }

  #register(pointer: number): number {
    if (pointer === 0) return this.#conversion;
    if (pointer === 1) return this.#inFlight ? this.#config : this.#config | OS;
    return pointer === 2 ? this.#loThresh : this.#hiThresh;
  }

  #writeConfig(value: number, now: number): void {
    this.#config = value & ~OS;
    if (!(value & OS) || !(value & MODE_SINGLE_SHOT) || this.#inFlight) return;
    const word = ads1115Code(this.#differential(this.inputs(now)), FULL_SCALE_MV[(value >> 9) & 0b111]!) & 0xffff;
    this.#inFlight = { word, readyAt: now + ads1115ConversionMs(value) };
  }

  /** The voltage the multiplexer puts across the converter. */
  #differential(inputs: readonly [number, number, number, number]): number {
    const mux = (this.#config >> 12) & 0b111;
    if (mux >= 0b100) return inputs[mux - 0b100]!;
    const [positive, negative] = (
      [
        [0, 1],
        [0, 3],
        [1, 3],
        [2, 3],
      ] as const
    )[mux]!;
    return inputs[positive] - inputs[negative];
  }

  /** Finishes a conversion whose time has come. */
  #settle(now: number): void {
    const inFlight = this.#inFlight;
    if (!inFlight || this.faults.neverReady || now < inFlight.readyAt) return;
    this.#inFlight = undefined;
    if (!this.faults.stuck) this.#conversion = inFlight.word;
  }
}
