/**
 * A reader for ASN.1 DER, enough to walk an X.509 certificate and a PKCS#8 key on the board.
 * Every read checks its bounds, so a damaged or hostile blob ends in a `DerError` naming what was
 * wrong and where, never in a read past the end.
 */
export class DerError extends Error {}

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
} as const;

/** One TLV: its tag, and where its contents sit in the underlying bytes. */
export interface DerNode {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

/** Contents of a node as a view (no copy). */
export function contents(node: DerNode): Uint8Array {
  return node.bytes.subarray(node.start, node.end);
}

/** Reads the TLVs inside `[start, end)` of `bytes` one after the other. */
export class DerReader {
  readonly #bytes: Uint8Array;
  readonly #end: number;
  #offset: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#offset = start;
    this.#end = end;
  }

  /** The reader over a constructed node's contents. */
  static inside(node: DerNode): DerReader {
    return new DerReader(node.bytes, node.start, node.end);
  }

  /** The reader inside the one SEQUENCE that `der` must be, with nothing after it; `what` names it in errors. */
  static insideSequence(der: Uint8Array, what: string): DerReader {
    const outer = new DerReader(der);
    const sequence = outer.next(what, TAG.sequence);
    outer.finish(what);
    return DerReader.inside(sequence);
  }

  get done(): boolean {
    return this.#offset >= this.#end;
  }

  peekTag(): number | undefined {
    return this.done ? undefined : this.#bytes[this.#offset];
  }

  /** The next TLV, which must have tag `expected` when given; `what` names it in errors. */
  next(what: string, expected?: number): DerNode {
    const at = this.#offset;
    if (at >= this.#end) throw new DerError(`${what}: missing (ends at byte ${at})`);
    const tag = this.#bytes[at]!;
    if (expected !== undefined && tag !== expected) throw new DerError(`${what}: expected tag 0x${hex(expected)}, found 0x${hex(tag)} at byte ${at}`);
    // High-tag-number form (low five bits all set) never occurs in certificates or keys.
    if ((tag & 0x1f) === 0x1f) throw new DerError(`${what}: multi-byte tag at byte ${at}`);
    let cursor = at + 1;
    if (cursor >= this.#end) throw new DerError(`${what}: length missing at byte ${cursor}`);
    const first = this.#bytes[cursor++]!;
    let length = first;
    if (first & 0x80) {
      const count = first & 0x7f;
      // DER forbids the indefinite form (0x80); four length bytes already exceed any blob the board keeps.
      if (count === 0 || count > 3) throw new DerError(`${what}: unsupported length form 0x${hex(first)} at byte ${cursor - 1}`);
      if (cursor + count > this.#end) throw new DerError(`${what}: length runs past the end at byte ${cursor}`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + this.#bytes[cursor++]!;
      if (length < 0x80 || (count > 1 && this.#bytes[cursor - count] === 0)) throw new DerError(`${what}: length not in its shortest form at byte ${at + 1}`);
    }
    const start = cursor;
    const end = start + length;
    if (end > this.#end) throw new DerError(`${what}: ${length} bytes declared at byte ${at}, only ${this.#end - start} left`);
    this.#offset = end;
    return { tag, start, end, bytes: this.#bytes };
  }

  /** Skips the next TLV if it has `tag`; returns it, or undefined when absent. */
  optional(what: string, tag: number): DerNode | undefined {
    return this.peekTag() === tag ? this.next(what, tag) : undefined;
  }

  /** Fails unless every byte was read: trailing bytes mean the blob is not what it claims. */
  finish(what: string): void {
    if (!this.done) throw new DerError(`${what}: ${this.#end - this.#offset} unexpected bytes at byte ${this.#offset}`);
  }
}

/** An INTEGER's contents without the sign-padding zero byte, so equal numbers compare equal byte for byte. */
export function unsignedInteger(node: DerNode, what: string): Uint8Array {
  const value = contents(node);
  if (value.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if (value[0]! & 0x80) throw new DerError(`${what}: negative INTEGER`);
  let skip = 0;
  while (skip < value.length - 1 && value[skip] === 0) skip++;
  return value.subarray(skip);
}

/** A BIT STRING's bits, which must be whole bytes (keys and signatures are). */
export function bitStringBytes(node: DerNode, what: string): Uint8Array {
  const value = contents(node);
  if (value.length === 0 || value[0] !== 0) throw new DerError(`${what}: BIT STRING with unused bits`);
  return value.subarray(1);
}

/** An OBJECT IDENTIFIER in dotted form, e.g. "1.2.840.10045.2.1". */
export function oidText(node: DerNode, what: string): string {
  const value = contents(node);
  if (value.length === 0) throw new DerError(`${what}: empty OBJECT IDENTIFIER`);
  const arcs: number[] = [];
  let arc = 0;
  for (let i = 0; i < value.length; i++) {
    const byte = value[i]!;
    if (arc === 0 && byte === 0x80) throw new DerError(`${what}: OBJECT IDENTIFIER arc with a leading zero`);
    arc = arc * 128 + (byte & 0x7f);
    if (arc > 0xffffffff) throw new DerError(`${what}: OBJECT IDENTIFIER arc too large`);
    if (!(byte & 0x80)) {
      arcs.push(arc);
      arc = 0;
    } else if (i === value.length - 1) throw new DerError(`${what}: OBJECT IDENTIFIER ends inside an arc`);
  }
  const first = arcs[0]!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join(".");
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(value: number): string {
  return value.toString(16).padStart(2, "0");
}
