/*
 * Frames the Plantower PMS5003 sends on its UART (Plantower "PMS5003 series data manual" V2.3,
 * appendix I):
 *
 *   42 4D | length (2) | body (length − 2) | checksum (2)
 *
 * Every word is big-endian and the checksum is the 16-bit sum of every byte before it. A data frame
 * has length 0x001C (32 bytes in all). A command reply has length 0x0004 (8 bytes): the datasheet
 * does not describe them, but the part answers the mode and sleep commands with one.
 */

/** Where the parser is within a frame: the step that the next byte is for. */
export type Pms5003ParserStep = "seek-0x42" | "seek-0x4D" | "length-high" | "length-low" | "body" | "checksum";

/** Mass concentrations in µg/m³. */
export interface Pms5003Concentrations {
  readonly pm1: number;
  readonly pm2_5: number;
  readonly pm10: number;
}

/** Particles in 0.1 L of air with a diameter beyond 0.3, 0.5, 1.0, 2.5, 5.0 and 10 µm. */
export interface Pms5003Counts {
  readonly over0_3: number;
  readonly over0_5: number;
  readonly over1_0: number;
  readonly over2_5: number;
  readonly over5_0: number;
  readonly over10: number;
}

export interface Pms5003Frame {
  /** "CF=1, standard particle": the datasheet says to use these in a factory environment. */
  readonly standard: Pms5003Concentrations;
  /** "Under atmospheric environment": what an outdoor or indoor air monitor reports. */
  readonly atmospheric: Pms5003Concentrations;
  readonly counts: Pms5003Counts;
  /** Reserved in the datasheet; parts seen in the field put a version byte and an error byte here. */
  readonly reserved: number;
}

export interface Pms5003FrameParserOptions {
  onFrame: (frame: Pms5003Frame) => void;
  /** A frame with a bad length or checksum, with what was wrong. */
  onBadFrame: (reason: string) => void;
}

const DATA_LENGTH = 0x001c;
const REPLY_LENGTH = 0x0004;
/** Start characters, length and checksum: the bytes a frame has besides its body. */
const FRAMING_BYTES = 4;
const LONGEST_FRAME = DATA_LENGTH + FRAMING_BYTES;

function hex4(word: number): string {
  return "0x" + word.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * Turns the byte stream, in whatever pieces it arrives, into frames. It holds the bytes of the
 * frame it is assembling; when that frame turns out bad, it drops only the first byte and reads
 * the rest again, so a good frame that began inside the bad one (a truncated frame followed by a
 * whole one) is still found. Never throws, whatever the bytes.
 */
export class Pms5003FrameParser {
  readonly #onFrame: (frame: Pms5003Frame) => void;
  readonly #onBadFrame: (reason: string) => void;
  /** The frame being assembled, then any bytes still to be read again after a bad frame. */
  readonly #held = new Uint8Array(LONGEST_FRAME);
  #heldLength = 0;
  /** How many of the held bytes belong to the frame being assembled. */
  #consumed = 0;
  #frameLength = 0;
  #step: Pms5003ParserStep = "seek-0x42";

  constructor(options: Pms5003FrameParserOptions) {
    this.#onFrame = options.onFrame;
    this.#onBadFrame = options.onBadFrame;
  }

  get step(): Pms5003ParserStep {
    return this.#step;
  }

  /** Feeds the first `length` bytes (all by default), so a caller can reuse one receive buffer. */
  push(bytes: Uint8Array, length = bytes.length): void {
    for (let i = 0; i < length; i++) {
      // Room is guaranteed: after #advance every held byte is part of an unfinished frame, so fewer than LONGEST_FRAME are held.
      this.#held[this.#heldLength++] = bytes[i]!;
      this.#advance();
    }
  }

  #advance(): void {
    const held = this.#held;
    while (this.#consumed < this.#heldLength) {
      const byte = held[this.#consumed]!;
      switch (this.#step) {
        case "seek-0x42":
          if (byte === 0x42) this.#accept("seek-0x4D");
          else this.#drop(1);
          break;
        case "seek-0x4D":
          if (byte === 0x4d) this.#accept("length-high");
          else this.#drop(1);
          break;
        case "length-high":
          this.#accept("length-low");
          break;
        case "length-low": {
          const length = (held[2]! << 8) | byte;
          if (length !== DATA_LENGTH && length !== REPLY_LENGTH) {
            this.#reject(`PMS5003 frame length ${hex4(length)}, expected ${hex4(DATA_LENGTH)} (data) or ${hex4(REPLY_LENGTH)} (command reply)`);
            break;
          }
          this.#frameLength = length + FRAMING_BYTES;
          this.#accept("body");
          break;
        }
        case "body":
          this.#accept(this.#consumed + 1 === this.#frameLength - 2 ? "checksum" : "body");
          break;
        case "checksum":
          this.#consumed++;
          if (this.#consumed === this.#frameLength) this.#finish();
          break;
      }
    }
  }

  #accept(next: Pms5003ParserStep): void {
    this.#consumed++;
    this.#step = next;
  }

  #finish(): void {
    const held = this.#held;
    const length = this.#frameLength;
    let sum = 0;
    for (let i = 0; i < length - 2; i++) sum += held[i]!;
    sum &= 0xffff;
    const received = (held[length - 2]! << 8) | held[length - 1]!;
    const kind = length === LONGEST_FRAME ? "data frame" : "command reply";
    if (received !== sum) {
      this.#reject(`PMS5003 ${kind} checksum ${hex4(received)}, expected ${hex4(sum)}`);
      return;
    }
    if (length !== LONGEST_FRAME) {
      this.#drop(length);
      return;
    }
    const frame = decode(held);
    this.#drop(length);
    this.#onFrame(frame);
  }

  /** Drops the first held byte and reads the rest again, reporting why after the state is whole again. */
  #reject(reason: string): void {
    this.#drop(1);
    this.#onBadFrame(reason);
  }

  #drop(count: number): void {
    this.#held.copyWithin(0, count, this.#heldLength);
    this.#heldLength -= count;
    this.#consumed = 0;
    this.#step = "seek-0x42";
  }
}

function decode(bytes: Uint8Array): Pms5003Frame {
  const word = (offset: number): number => (bytes[offset]! << 8) | bytes[offset + 1]!;
  return {
    standard: { pm1: word(4), pm2_5: word(6), pm10: word(8) },
    atmospheric: { pm1: word(10), pm2_5: word(12), pm10: word(14) },
    counts: { over0_3: word(16), over0_5: word(18), over1_0: word(20), over2_5: word(22), over5_0: word(24), over10: word(26) },
    reserved: word(28),
  };
}
