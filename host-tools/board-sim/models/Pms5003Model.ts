import type { Pms5003Concentrations, Pms5003Counts, Pms5003Frame } from "../../../firmware/drivers/Pms5003FrameParser";
import type { UartPeer } from "../board/UartLink.ts";

/**
 * A Plantower PMS5003 on the far end of a simulated UART, following its data manual (V2.3, 2016):
 *
 * - After power-up it is in active mode and sends a 32-byte data frame every `intervalMs`. The
 *   manual gives 2.3 s in "stable mode" and 200–800 ms in "fast mode", which the part switches
 *   to by itself when concentrations change a lot. Only stable mode is modelled, so by default
 *   frames come every 2.3 s.
 * - 42 4D E1 00 00 (passive) stops the stream; each 42 4D E2 00 00 (read) is then answered with
 *   one frame. 42 4D E1 00 01 (active) restarts it.
 * - 42 4D E4 00 00 (sleep) stops the fan and all output; 42 4D E4 00 01 (wake) restarts them.
 *   While asleep the part ignores every other command.
 * - The SET pin (`setPin`) does the same as the sleep command: low sleeps, high wakes. A pin
 *   driven low overrides any wake command, as on the part.
 * - For 30 s after power-up or wake the fan is not at speed. The manual says data is not stable
 *   then, so this model under-reads in proportion to the time since the fan started.
 *
 * The manual does not describe command replies. Parts in the field answer passive, active and
 * sleep with an 8-byte frame `42 4D 00 04 <command> <data> <sum>`. They answer wake with nothing
 * but the data frames that follow, and this model does the same.
 */

export interface ParticulateReading {
  /** Atmospheric-environment concentrations, µg/m³. */
  readonly pm1: number;
  readonly pm2_5: number;
  readonly pm10: number;
  /** Particle counts per 0.1 L; when left out, a plausible size distribution is made up from the concentrations. */
  readonly counts?: Pms5003Counts;
}

export interface Pms5003Faults {
  /** Data frames go out with the checksum's low byte one off, so it does not match the sum. */
  checksum?: boolean;
  /** Each data frame stops after its first 20 bytes, as when the sensor resets or the line drops out mid-frame. */
  truncated?: boolean;
  /** Data frames carry zero in every measurement, with a correct checksum: the known failure of a dead laser or fan. */
  zeros?: boolean;
  /** The cable is unplugged: nothing goes out and commands never arrive. */
  silent?: boolean;
  /** Every data frame repeats the measurement words of the last frame sent before the fault, with a fresh checksum: a frozen sensor. */
  stuck?: boolean;
  /** Frames carry this PM2.5 (and PM1, PM10 scaled alike) in µg/m³, beyond the part's 0–1000 range: a failing photodiode. */
  outOfRange?: number;
}

export interface Pms5003ModelOptions {
  /** Board time (ms) at which the sensor was powered. */
  poweredAt?: number;
  intervalMs?: number;
  reading?: ParticulateReading;
}

/** The stable-mode interval between frames in active mode (data manual, "Output result"). */
export const PMS5003_STABLE_INTERVAL_MS = 2300;
const WARM_UP_MS = 30_000;
/** The manual gives no figure for how soon the part answers a command. */
const REPLY_DELAY_MS = 5;
const TRUNCATED_FRAME_BYTES = 20;
/** What parts in the field put in the "reserved" word: version 0x97, error code 0x00. */
const RESERVED_WORD = 0x9700;

const CHANGE_MODE = 0xe1;
const READ_PASSIVE = 0xe2;
const SLEEP_SET = 0xe4;
const COMMAND_BYTES = 7;

function toWord(value: number): number {
  return Math.min(0xffff, Math.max(0, Math.round(value)));
}

function withChecksum(bytes: Uint8Array): Uint8Array {
  let sum = 0;
  for (let i = 0; i < bytes.length - 2; i++) sum += bytes[i]!;
  bytes[bytes.length - 2] = (sum >> 8) & 0xff;
  bytes[bytes.length - 1] = sum & 0xff;
  return bytes;
}

/** A 32-byte data frame: 42 4D 00 1C, thirteen big-endian words, then the 16-bit sum of bytes 0–29. */
export function encodePms5003Frame(frame: Pms5003Frame): Uint8Array {
  const { standard: s, atmospheric: a, counts: c } = frame;
  const words = [s.pm1, s.pm2_5, s.pm10, a.pm1, a.pm2_5, a.pm10, c.over0_3, c.over0_5, c.over1_0, c.over2_5, c.over5_0, c.over10, frame.reserved];
  const bytes = new Uint8Array(32);
  bytes.set([0x42, 0x4d, 0x00, 0x1c]);
  words.forEach((value, i) => {
    const word = toWord(value);
    bytes[4 + 2 * i] = word >> 8;
    bytes[5 + 2 * i] = word & 0xff;
  });
  return withChecksum(bytes);
}

/** The 8-byte frame the part answers a mode or sleep command with. */
export function encodePms5003Reply(command: number, data: number): Uint8Array {
  return withChecksum(Uint8Array.of(0x42, 0x4d, 0x00, 0x04, command, data, 0, 0));
}

/** Not physics: a size distribution that grows with the concentrations and is never all zero, so a zero frame only ever means a fault. */
function madeUpCounts(reading: ParticulateReading): Pms5003Counts {
  const coarse = Math.max(0, reading.pm10 - reading.pm2_5);
  return {
    over0_3: 150 + 60 * reading.pm1,
    over0_5: 45 + 18 * reading.pm1,
    over1_0: 8 + 4 * reading.pm2_5,
    over2_5: 1 + reading.pm2_5 / 2,
    over5_0: coarse / 4,
    over10: coarse / 10,
  };
}

function scaled<T extends object>(values: T, factor: number): T {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Math.round((value as number) * factor)])) as T;
}

export class Pms5003Model implements UartPeer {
  readonly intervalMs: number;
  faults: Pms5003Faults = {};
  /** Where readings come from; `set()` replaces it with a constant. */
  source: (now: number) => ParticulateReading;
  #mode: "active" | "passive" = "active";
  #asleep = false;
  #pinLow = false;
  #lastWords: Uint8Array | undefined;
  #fanStartedAt: number;
  #nextFrameAt: number;
  #outbox: { at: number; bytes: Uint8Array }[] = [];
  #received: number[] = [];

  constructor(options: Pms5003ModelOptions = {}) {
    const poweredAt = options.poweredAt ?? 0;
    this.intervalMs = options.intervalMs ?? PMS5003_STABLE_INTERVAL_MS;
    this.#fanStartedAt = poweredAt;
    this.#nextFrameAt = poweredAt + this.intervalMs;
    const reading = options.reading ?? { pm1: 4, pm2_5: 6, pm10: 9 };
    this.source = () => reading;
  }

  set(reading: ParticulateReading): void {
    this.source = () => reading;
  }

  get mode(): "active" | "passive" {
    return this.#mode;
  }

  get asleep(): boolean {
    return this.#asleep;
  }

  /** The fan started less than 30 s ago, so readings are low. */
  warming(now: number): boolean {
    return now - this.#fanStartedAt < WARM_UP_MS;
  }

  /** The board drove the SET pin to `level` at `now`. */
  setPin(level: number, now: number): void {
    const low = level === 0;
    if (low === this.#pinLow) return;
    this.#produceUntil(now);
    this.#pinLow = low;
    if (low) this.#asleep = true;
    else this.#wake(now);
  }

  receive(bytes: Uint8Array, now: number): void {
    if (this.faults.silent) return;
    this.#received.push(...bytes);
    const r = this.#received;
    while (r.length >= COMMAND_BYTES) {
      const sum = r[0]! + r[1]! + r[2]! + r[3]! + r[4]!;
      if (r[0] !== 0x42 || r[1] !== 0x4d || ((r[5]! << 8) | r[6]!) !== sum) {
        r.shift();
        continue;
      }
      this.#command(r[2]!, (r[3]! << 8) | r[4]!, now);
      r.splice(0, COMMAND_BYTES);
    }
  }

  transmit(now: number): { at: number; bytes: Uint8Array }[] {
    this.#produceUntil(now);
    let ready = 0;
    while (ready < this.#outbox.length && this.#outbox[ready]!.at <= now) ready++;
    const sent = this.#outbox.splice(0, ready);
    return this.faults.silent ? [] : sent;
  }

  nextTransmitAt(now: number): number | undefined {
    this.#produceUntil(now);
    if (this.faults.silent) return undefined;
    const queued = this.#outbox[0]?.at;
    const streamed = this.#streaming ? this.#nextFrameAt : undefined;
    if (queued === undefined) return streamed;
    return streamed === undefined ? queued : Math.min(queued, streamed);
  }

  get #streaming(): boolean {
    return this.#mode === "active" && !this.#asleep;
  }

  #command(code: number, data: number, now: number): void {
    if (this.#asleep && !(code === SLEEP_SET && data === 1 && !this.#pinLow)) return;
    // Frames due before the command went out under the old state.
    this.#produceUntil(now);
    if (code === CHANGE_MODE && (data === 0 || data === 1)) {
      this.#mode = data === 1 ? "active" : "passive";
      this.#nextFrameAt = now + this.intervalMs;
      this.#queue(now + REPLY_DELAY_MS, encodePms5003Reply(code, data));
    } else if (code === READ_PASSIVE && this.#mode === "passive") {
      this.#queue(now + REPLY_DELAY_MS, this.#dataFrame(now));
    } else if (code === SLEEP_SET && data === 0) {
      this.#asleep = true;
      this.#queue(now + REPLY_DELAY_MS, encodePms5003Reply(code, data));
    } else if (code === SLEEP_SET && data === 1 && this.#asleep) {
      this.#wake(now);
    }
  }

  #wake(now: number): void {
    this.#asleep = false;
    this.#fanStartedAt = now;
    this.#nextFrameAt = now + this.intervalMs;
  }

  #produceUntil(now: number): void {
    if (!this.#streaming) return;
    while (this.#nextFrameAt <= now) {
      if (!this.faults.silent) this.#queue(this.#nextFrameAt, this.#dataFrame(this.#nextFrameAt));
      this.#nextFrameAt += this.intervalMs;
    }
  }

  #queue(at: number, bytes: Uint8Array): void {
    const index = this.#outbox.findIndex((entry) => entry.at > at);
    this.#outbox.splice(index === -1 ? this.#outbox.length : index, 0, { at, bytes });
  }

  #dataFrame(at: number): Uint8Array {
    const bytes = this.#measuredFrame(at);
    if (this.faults.checksum) bytes[31] = (bytes[31]! + 1) & 0xff;
    return this.faults.truncated ? bytes.subarray(0, TRUNCATED_FRAME_BYTES) : bytes;
  }

  /** A correct frame of what the part measures now, or of what it measured last when stuck. */
  #measuredFrame(at: number): Uint8Array {
    if (this.faults.stuck && this.#lastWords) return withChecksum(this.#lastWords.slice());
    const measured = this.source(at);
    const reading =
      this.faults.outOfRange === undefined
        ? measured
        : { pm1: this.faults.outOfRange * 0.7, pm2_5: this.faults.outOfRange, pm10: this.faults.outOfRange * 1.3 };
    const spinUp = this.faults.zeros ? 0 : Math.min(1, (at - this.#fanStartedAt) / WARM_UP_MS);
    const atmospheric: Pms5003Concentrations = scaled({ pm1: reading.pm1, pm2_5: reading.pm2_5, pm10: reading.pm10 }, spinUp);
    const bytes = encodePms5003Frame({
      // Real parts report CF=1 values close to the atmospheric ones, often equal at low concentrations; the model makes them equal.
      standard: atmospheric,
      atmospheric,
      counts: scaled(reading.counts ?? madeUpCounts(reading), spinUp),
      reserved: RESERVED_WORD,
    });
    this.#lastWords = bytes;
    return bytes;
  }
}
