/**
 * Base64 (RFC 4648 §4) decoded as it arrives, a line at a time, into a buffer of fixed size, so a
 * PEM block never has to be held as text. Steps: `data` while characters come, `padding` after the
 * first `=`, `failed` once anything was wrong (it stays failed).
 */
type Base64Step = "data" | "padding" | "failed";

export class Base64Decoder {
  readonly #out: Uint8Array;
  #length = 0;
  #step: Base64Step = "data";
  /** Sextets of the current quantum. */
  #bits = 0;
  #count = 0;
  #padding = 0;
  #problem = "";

  constructor(capacity: number) {
    this.#out = new Uint8Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Why decoding failed; empty while it has not. */
  get problem(): string {
    return this.#problem;
  }

  /** Starts over on new text, keeping the buffer: a receiver decoding line after line allocates it once. */
  reset(): void {
    this.#length = 0;
    this.#step = "data";
    this.#bits = 0;
    this.#count = 0;
    this.#padding = 0;
    this.#problem = "";
  }

  /** Feeds one line of base64 text; false once the input is invalid. Positions in problems are 1-based columns. */
  push(text: string): boolean {
    for (let i = 0; i < text.length && this.#step !== "failed"; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x3d) this.#pad(i + 1);
      else {
        const sextet = sextetOf(code);
        if (sextet < 0) this.#fail(`character ${i + 1} is not base64`);
        else if (this.#step === "padding") this.#fail(`data after '=' padding at character ${i + 1}`);
        else this.#take(sextet);
      }
    }
    return this.#step !== "failed";
  }

  /** The decoded bytes, once the input ended on a whole quantum; otherwise undefined and `problem` says why. */
  finish(): Uint8Array | undefined {
    if (this.#step === "failed") return undefined;
    if (this.#count !== 0) {
      this.#fail("the base64 text stops part-way through a group of four characters (truncated?)");
      return undefined;
    }
    return this.#out.subarray(0, this.#length);
  }

  #take(sextet: number): void {
    this.#bits = (this.#bits << 6) | sextet;
    this.#count++;
    if (this.#count < 4) return;
    this.#emit((this.#bits >> 16) & 0xff);
    this.#emit((this.#bits >> 8) & 0xff);
    this.#emit(this.#bits & 0xff);
    this.#bits = 0;
    this.#count = 0;
  }

  #pad(column: number): void {
    // '=' may only stand for the last one or two characters of a final quantum ("xx==" or "xxx=").
    const allowed = this.#step === "data" ? this.#count === 2 || this.#count === 3 : this.#count === 3 && this.#padding === 1;
    if (!allowed) {
      this.#fail(`misplaced '=' at character ${column}`);
      return;
    }
    this.#step = "padding";
    this.#padding++;
    this.#count++;
    if (this.#count < 4) return;
    const bits = this.#bits << (6 * this.#padding);
    this.#emit((bits >> 16) & 0xff);
    if (this.#padding === 1) this.#emit((bits >> 8) & 0xff);
    this.#bits = 0;
    this.#count = 0;
  }

  #emit(byte: number): void {
    if (this.#step === "failed") return;
    if (this.#length >= this.#out.length) {
      this.#fail(`decodes to more than ${this.#out.length} bytes`);
      return;
    }
    this.#out[this.#length++] = byte;
  }

  #fail(problem: string): void {
    this.#step = "failed";
    this.#problem = problem;
  }
}

function sextetOf(code: number): number {
  if (code >= 0x41 && code <= 0x5a) return code - 0x41;
  if (code >= 0x61 && code <= 0x7a) return code - 0x61 + 26;
  if (code >= 0x30 && code <= 0x39) return code - 0x30 + 52;
  if (code === 0x2b) return 62;
  if (code === 0x2f) return 63;
  return -1;
}
