import assert from "node:assert/strict";
import fc from "fast-check";
import { DerError } from "../../../firmware/console/Der";

/** Asserts a DerError with exactly `message`: any other reason, or a TypeError or RangeError, fails. */
export function refuses(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DerError, `expected a DerError, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  });
}

/** One TLV with the shortest length, around `parts` laid end to end. */
export function tlv(tag: number, ...parts: readonly number[][]): number[] {
  const body = parts.flat();
  const length = body.length;
  const octets = length < 0x80 ? [length] : length < 0x100 ? [0x81, length] : [0x82, length >> 8, length & 0xff];
  return [tag, ...octets, ...body];
}

/**
 * Property: every truncation of `der`, a SEQUENCE with a two-byte length named `outer` by its
 * reader, is refused by `read` with the DerError naming what is missing.
 */
export function assertEveryTruncationRefused(der: Uint8Array, outer: string, read: (der: Uint8Array) => unknown): void {
  assert.equal(der[1], 0x82, "a two-byte length");
  const declared = der.length - 4;
  fc.assert(
    fc.property(fc.nat(der.length - 1), (length) => {
      const expected =
        length === 0
          ? `${outer}: missing (ends at byte 0)`
          : length === 1
            ? `${outer}: length missing at byte 1`
            : length < 4
              ? `${outer}: length runs past the end at byte 2`
              : `${outer}: ${declared} bytes declared at byte 0, only ${length - 4} left`;
      refuses(() => read(der.subarray(0, length)), expected);
    }),
    { numRuns: 500 },
  );
}

/** A DER node as a walk independent of the firmware's sees it: a primitive's contents, or a constructed node's children. */
export type DerTree = { readonly tag: number; readonly content: readonly number[] } | { readonly tag: number; readonly children: readonly DerTree[] };

/** The DER nodes laid end to end in der[start, end), constructed ones (tag bit 0x20) opened. */
export function parseTrees(der: Uint8Array, start = 0, end = der.length): DerTree[] {
  const trees: DerTree[] = [];
  for (let at = start; at < end; ) {
    const tag = der[at]!;
    let length = der[at + 1]!;
    let from = at + 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + der[from++]!;
    }
    trees.push(tag & 0x20 ? { tag, children: parseTrees(der, from, from + length) } : { tag, content: [...der.subarray(from, from + length)] });
    at = from + length;
  }
  return trees;
}
