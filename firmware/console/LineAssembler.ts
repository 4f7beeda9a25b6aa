/**
 * Bytes from the console UART, cut into lines. Resumable: a line may arrive in any number of
 * chunks. Steps: `collecting` a line, `discarding` the rest of one that was already refused (too
 * long, or a byte that is not printable ASCII), so it is reported once, when its end arrives.
 * CR, LF and CR LF all end a line; Ctrl-C drops the line being typed.
 */
type LineStep = "collecting" | "discarding";

export type LineRejection = { readonly code: "line-too-long" | "bad-character" | "cancelled"; readonly message: string };

export interface LineSink {
  line(text: string): void;
  rejected(rejection: LineRejection): void;
}

const CR = 0x0d;
const LF = 0x0a;
const CTRL_C = 0x03;
const TAB = 0x09;

export class LineAssembler {
  readonly #max: number;
  readonly #sink: LineSink;
  #step: LineStep = "collecting";
  #text = "";
  #rejection: LineRejection | undefined;
  /** The previous byte was CR, so an LF now ends nothing new. */
  #afterCr = false;

  constructor(maxLength: number, sink: LineSink) {
    this.#max = maxLength;
    this.#sink = sink;
  }

  /** Something of a line has arrived and its end has not. */
  get partial(): boolean {
    return this.#text.length > 0 || this.#step === "discarding";
  }

  push(bytes: Uint8Array): void {
    for (const byte of bytes) this.#byte(byte);
  }

  /** Drops the unfinished line (the sender stopped mid-line); returns whether there was one. */
  abandon(): boolean {
    const had = this.partial;
    this.#reset();
    return had;
  }

  #byte(byte: number): void {
    const afterCr = this.#afterCr;
    this.#afterCr = byte === CR;
    if (byte === LF && afterCr) return;
    if (byte === CR || byte === LF) {
      const rejection = this.#rejection;
      const text = this.#text;
      this.#reset();
      if (rejection) this.#sink.rejected(rejection);
      else this.#sink.line(text);
      return;
    }
    if (byte === CTRL_C) {
      const had = this.partial;
      this.#reset();
      if (had) this.#sink.rejected({ code: "cancelled", message: "line cancelled with Ctrl-C" });
      return;
    }
    if (this.#step === "discarding") return;
    // A tab is whitespace to the word splitter; other controls and non-ASCII bytes have no meaning in a command or a PEM line.
    if ((byte < 0x20 && byte !== TAB) || byte > 0x7e) {
      this.#discard({
        code: "bad-character",
        message: `byte 0x${byte.toString(16).padStart(2, "0")} at column ${this.#text.length + 1} is not printable ASCII`,
      });
      return;
    }
    if (this.#text.length >= this.#max) {
      this.#discard({ code: "line-too-long", message: `line is longer than ${this.#max} characters` });
      return;
    }
    this.#text += String.fromCharCode(byte === TAB ? 0x20 : byte);
  }

  #discard(rejection: LineRejection): void {
    this.#step = "discarding";
    this.#rejection = rejection;
    this.#text = "";
  }

  #reset(): void {
    this.#step = "collecting";
    this.#text = "";
    this.#rejection = undefined;
  }
}
