import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { bitStringBytes, contents, DerError, DerReader, oidText, sameBytes, TAG, unsignedInteger } from "../../../firmware/console/Der";
import { refuses } from "./derVectors.ts";

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** `count` filler bytes, for contents whose value does not matter, only their length. */
const filler = (count: number): number[] => new Array<number>(count).fill(0xee);

const first = (der: Uint8Array, expected?: number) => new DerReader(der).next("field", expected);

test("a short-form TLV: its tag, where its contents sit, and a view onto them rather than a copy", () => {
  // 04 OCTET STRING, 03 length 3, 0a 0b 0c contents
  const der = bytes(0x04, 0x03, 0x0a, 0x0b, 0x0c);
  const reader = new DerReader(der);
  assert.equal(reader.peekTag(), TAG.octetString);
  const node = reader.next("field", TAG.octetString);
  assert.deepEqual({ tag: node.tag, start: node.start, end: node.end }, { tag: 0x04, start: 2, end: 5 });
  assert.equal(node.bytes, der);
  assert.deepEqual([...contents(node)], [0x0a, 0x0b, 0x0c]);
  assert.equal(contents(node).buffer, der.buffer);
  assert.equal(reader.done, true);
  assert.equal(reader.peekTag(), undefined);
  // 05 NULL, 00 length 0: empty contents are fine
  assert.deepEqual([...contents(first(bytes(0x05, 0x00)))], []);
});

test("long-form lengths of one, two and three bytes are read when each is the shortest form", () => {
  // 04 OCTET STRING, 81 one length byte, 80 length 128
  const one = first(bytes(0x04, 0x81, 0x80, ...filler(128)));
  assert.deepEqual([one.start, one.end], [3, 131]);
  // 04, 82 two length bytes, 01 00 length 256
  const two = first(bytes(0x04, 0x82, 0x01, 0x00, ...filler(256)));
  assert.deepEqual([two.start, two.end], [4, 260]);
  // 04, 83 three length bytes, 01 00 00 length 65536
  const three = first(bytes(0x04, 0x83, 0x01, 0x00, 0x00, ...filler(65536)));
  assert.deepEqual([three.start, three.end], [5, 65541]);
});

test("TLVs are read one after another, and a reader inside a node sees only that node's contents", () => {
  // prettier-ignore
  const der = bytes(
    0x30, 0x05,       // SEQUENCE, 5 bytes
    0x02, 0x01, 0x05, //   INTEGER 5
    0x05, 0x00,       //   NULL
    0x02, 0x01, 0x07, // INTEGER 7, after the SEQUENCE
  );
  const outer = new DerReader(der);
  const sequence = outer.next("sequence", TAG.sequence);
  assert.deepEqual([...contents(outer.next("after", TAG.integer))], [0x07]);
  outer.finish("outer");
  const inner = DerReader.inside(sequence);
  assert.deepEqual([...contents(inner.next("five", TAG.integer))], [0x05]);
  inner.next("null", TAG.null);
  assert.equal(inner.done, true);
  refuses(() => inner.next("beyond"), "beyond: missing (ends at byte 7)");
});

test("optional takes the next TLV only when its tag matches", () => {
  // 05 00 NULL, then 02 01 09 INTEGER 9
  const reader = new DerReader(bytes(0x05, 0x00, 0x02, 0x01, 0x09));
  assert.equal(reader.optional("absent", TAG.integer), undefined);
  assert.equal(reader.optional("null", TAG.null)?.tag, TAG.null);
  assert.equal(reader.optional("integer", TAG.integer)?.end, 5);
  assert.equal(reader.optional("at the end", TAG.integer), undefined);
});

test("nothing to read: missing, naming where the bytes ended", () => {
  refuses(() => first(bytes()), "field: missing (ends at byte 0)");
  // 05 00 NULL, then the reader's end, though the blob goes on with 05 00
  const reader = new DerReader(bytes(0x05, 0x00, 0x05, 0x00), 0, 2);
  reader.next("null");
  refuses(() => reader.next("field"), "field: missing (ends at byte 2)");
});

test("a tag other than the expected one is refused, in two-digit hex, with its offset", () => {
  // 05 00 NULL, 04 00 empty OCTET STRING
  const reader = new DerReader(bytes(0x05, 0x00, 0x04, 0x00));
  reader.next("null", TAG.null);
  refuses(() => reader.next("field", TAG.integer), "field: expected tag 0x02, found 0x04 at byte 2");
});

test("the high-tag-number form (low five bits all set) is refused in every class", () => {
  for (const tag of [0x1f, 0x3f, 0x5f, 0x7f, 0x9f, 0xbf, 0xdf, 0xff]) {
    // tag, 01 (a second tag byte: tag number 1), 00 length
    refuses(() => first(bytes(tag, 0x01, 0x00)), "field: multi-byte tag at byte 0");
  }
  // 05 00 NULL, then 1f 01 00 at byte 2
  const reader = new DerReader(bytes(0x05, 0x00, 0x1f, 0x01, 0x00));
  reader.next("null");
  refuses(() => reader.next("field"), "field: multi-byte tag at byte 2");
  // 1e BMPString (tag number 30, one below the escape), 00 length: an ordinary one-byte tag
  assert.equal(first(bytes(0x1e, 0x00)).tag, 0x1e);
});

test("a tag with no length after it", () => {
  // 05 NULL, then the end
  refuses(() => first(bytes(0x05)), "field: length missing at byte 1");
  // 05 NULL, then the reader's end, though a 00 follows in the blob
  refuses(() => new DerReader(bytes(0x05, 0x00), 0, 1).next("field"), "field: length missing at byte 1");
});

test("the indefinite length (0x80) is refused: DER forbids it", () => {
  // 30 SEQUENCE, 80 indefinite, 05 00 NULL, 00 00 end-of-contents
  refuses(() => first(bytes(0x30, 0x80, 0x05, 0x00, 0x00, 0x00)), "field: unsupported length form 0x80 at byte 1");
});

test("lengths of four or more bytes are refused", () => {
  // 04 OCTET STRING, 84 four length bytes, 00 00 00 01 length 1, 00 contents
  refuses(() => first(bytes(0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 0x00)), "field: unsupported length form 0x84 at byte 1");
  // 04, ff: 127 length bytes, refused before looking for them
  refuses(() => first(bytes(0x04, 0xff)), "field: unsupported length form 0xff at byte 1");
  // 05 00 NULL, then 04 84 … at byte 2
  refuses(() => {
    const reader = new DerReader(bytes(0x05, 0x00, 0x04, 0x84, 0x00, 0x00, 0x00, 0x00));
    reader.next("null");
    reader.next("field");
  }, "field: unsupported length form 0x84 at byte 3");
});

test("length bytes that run past the end", () => {
  // 04 OCTET STRING, 81 one length byte, which is missing
  refuses(() => first(bytes(0x04, 0x81)), "field: length runs past the end at byte 2");
  // 04, 82 two length bytes, 01 only one of them
  refuses(() => first(bytes(0x04, 0x82, 0x01)), "field: length runs past the end at byte 2");
  // 04, 83 three length bytes, 01 00 only two of them
  refuses(() => first(bytes(0x04, 0x83, 0x01, 0x00)), "field: length runs past the end at byte 2");
  // 04, 82, then the reader's end, though 01 00 follow in the blob
  refuses(() => new DerReader(bytes(0x04, 0x82, 0x01, 0x00), 0, 3).next("field"), "field: length runs past the end at byte 2");
});

test("a long-form length under 128 is refused: the short form was required", () => {
  // 04 OCTET STRING, 81 one length byte, 05 length 5, then 5 bytes
  refuses(() => first(bytes(0x04, 0x81, 0x05, ...filler(5))), "field: length not in its shortest form at byte 1");
  // 04, 81, 7f length 127: the largest short-form length
  refuses(() => first(bytes(0x04, 0x81, 0x7f, ...filler(127))), "field: length not in its shortest form at byte 1");
  // 04, 81, 00 length 0
  refuses(() => first(bytes(0x04, 0x81, 0x00)), "field: length not in its shortest form at byte 1");
  // 04, 83 three length bytes, 00 00 05 length 5
  refuses(() => first(bytes(0x04, 0x83, 0x00, 0x00, 0x05, ...filler(5))), "field: length not in its shortest form at byte 1");
});

test("a long-form length with a leading zero byte is refused, also when 128 or more", () => {
  // 04 OCTET STRING, 82 two length bytes, 00 80 length 128 (81 80 was the shortest)
  refuses(() => first(bytes(0x04, 0x82, 0x00, 0x80, ...filler(128))), "field: length not in its shortest form at byte 1");
  // 04, 83 three length bytes, 00 01 00 length 256 (82 01 00 was the shortest)
  refuses(() => first(bytes(0x04, 0x83, 0x00, 0x01, 0x00, ...filler(256))), "field: length not in its shortest form at byte 1");
  // 05 00 NULL, then 04 82 00 80 …: the offset is the length's first byte, 3
  refuses(() => {
    const reader = new DerReader(bytes(0x05, 0x00, 0x04, 0x82, 0x00, 0x80, ...filler(128)));
    reader.next("null");
    reader.next("field");
  }, "field: length not in its shortest form at byte 3");
});

test("contents declared longer than what is left, in the blob or in the enclosing node", () => {
  // 04 OCTET STRING, 03 length 3, 0a 0b only two bytes
  refuses(() => first(bytes(0x04, 0x03, 0x0a, 0x0b)), "field: 3 bytes declared at byte 0, only 2 left");
  // 04, 81 80 length 128, only 127 bytes
  refuses(() => first(bytes(0x04, 0x81, 0x80, ...filler(127))), "field: 128 bytes declared at byte 0, only 127 left");
  // prettier-ignore
  const nested = bytes(
    0x30, 0x03,       // SEQUENCE, 3 bytes
    0x04, 0x05, 0x0a, //   OCTET STRING declaring 5 bytes, holding 1 before the SEQUENCE ends
    0x0b, 0x0c, 0x0d, 0x0e, // after the SEQUENCE: must not count as the OCTET STRING's
  );
  refuses(() => DerReader.inside(first(nested)).next("inner"), "inner: 5 bytes declared at byte 2, only 1 left");
});

test("finish refuses bytes left unread", () => {
  // 05 00 NULL, 05 00 NULL
  const reader = new DerReader(bytes(0x05, 0x00, 0x05, 0x00));
  reader.next("null");
  refuses(() => reader.finish("field"), "field: 2 unexpected bytes at byte 2");
  reader.next("null");
  reader.finish("field");
});

test("insideSequence wants exactly one SEQUENCE and nothing after it", () => {
  // 30 03 SEQUENCE, 02 01 05 INTEGER 5
  const reader = DerReader.insideSequence(bytes(0x30, 0x03, 0x02, 0x01, 0x05), "thing");
  assert.deepEqual([...contents(reader.next("five", TAG.integer))], [0x05]);
  refuses(() => DerReader.insideSequence(bytes(), "thing"), "thing: missing (ends at byte 0)");
  // 02 01 05 INTEGER where the SEQUENCE belongs
  refuses(() => DerReader.insideSequence(bytes(0x02, 0x01, 0x05), "thing"), "thing: expected tag 0x30, found 0x02 at byte 0");
  // 30 00 empty SEQUENCE, then a stray 00
  refuses(() => DerReader.insideSequence(bytes(0x30, 0x00, 0x00), "thing"), "thing: 1 unexpected bytes at byte 2");
});

test("an INTEGER's unsigned value drops only the sign-padding zero bytes", () => {
  const value = (...der: number[]) => [...unsignedInteger(first(bytes(...der)), "n")];
  assert.deepEqual(value(0x02, 0x01, 0x00), [0x00], "zero stays one byte"); // 02 INTEGER, 01 length, 00
  assert.deepEqual(value(0x02, 0x01, 0x7f), [0x7f]);
  assert.deepEqual(value(0x02, 0x02, 0x00, 0x80), [0x80], "the padding that keeps 0x80 positive");
  assert.deepEqual(value(0x02, 0x03, 0x00, 0xff, 0x00), [0xff, 0x00]);
});

test("an empty or negative INTEGER is refused", () => {
  // 02 INTEGER, 00 length: no contents at all
  refuses(() => unsignedInteger(first(bytes(0x02, 0x00)), "n"), "n: empty INTEGER");
  // 02, 01, 80: -128
  refuses(() => unsignedInteger(first(bytes(0x02, 0x01, 0x80)), "n"), "n: negative INTEGER");
  // 02, 01, ff: -1
  refuses(() => unsignedInteger(first(bytes(0x02, 0x01, 0xff)), "n"), "n: negative INTEGER");
  // 02, 02, 80 00: -32768
  refuses(() => unsignedInteger(first(bytes(0x02, 0x02, 0x80, 0x00)), "n"), "n: negative INTEGER");
});

test("a BIT STRING's bytes come after its unused-bits byte, which must be 0", () => {
  // 03 BIT STRING, 03 length, 00 no unused bits, 0a 0b
  assert.deepEqual([...bitStringBytes(first(bytes(0x03, 0x03, 0x00, 0x0a, 0x0b)), "b")], [0x0a, 0x0b]);
  // 03, 01, 00: no bits at all
  assert.deepEqual([...bitStringBytes(first(bytes(0x03, 0x01, 0x00)), "b")], []);
  // 03, 00: not even the unused-bits byte
  refuses(() => bitStringBytes(first(bytes(0x03, 0x00)), "b"), "b: BIT STRING with unused bits");
  // 03, 02, 01 one unused bit, fe
  refuses(() => bitStringBytes(first(bytes(0x03, 0x02, 0x01, 0xfe)), "b"), "b: BIT STRING with unused bits");
  // 03, 02, 07 seven unused bits, 80
  refuses(() => bitStringBytes(first(bytes(0x03, 0x02, 0x07, 0x80)), "b"), "b: BIT STRING with unused bits");
});

test("OBJECT IDENTIFIERs in dotted form, the first two arcs packed in one", () => {
  const dotted = (...value: number[]) => oidText(first(bytes(TAG.oid, value.length, ...value)), "o");
  assert.equal(dotted(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01), "1.2.840.10045.2.1");
  assert.equal(dotted(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01), "1.2.840.113549.1.1.1");
  assert.equal(dotted(0x55, 0x04, 0x03), "2.5.4.3");
  assert.equal(dotted(0x2b, 0x81, 0x04, 0x00, 0x22), "1.3.132.0.34");
  assert.equal(dotted(0x00), "0.0");
  assert.equal(dotted(0x27), "0.39");
  assert.equal(dotted(0x28), "1.0");
  assert.equal(dotted(0x4f), "1.39");
  assert.equal(dotted(0x50), "2.0", "from 80 up the first arc is 2 and the second takes the rest");
  assert.equal(dotted(0x88, 0x37, 0x03), "2.999.3", "1079 = 2·40 + 999");
  assert.equal(dotted(0x2a, 0x81, 0x80, 0x00), "1.2.16384", "0x80 inside an arc is a zero digit, not a leading zero");
  assert.equal(dotted(0x2a, 0x8f, 0xff, 0xff, 0xff, 0x7f), "1.2.4294967295", "the largest arc kept");
});

test("malformed OBJECT IDENTIFIERs are refused", () => {
  const dotted =
    (...value: number[]) =>
    () =>
      oidText(first(bytes(TAG.oid, value.length, ...value)), "o");
  // 06 OID, 00 length: no arcs
  refuses(dotted(), "o: empty OBJECT IDENTIFIER");
  // 2a (1.2), then 80 01: the arc 1 padded with a zero digit
  refuses(dotted(0x2a, 0x80, 0x01), "o: OBJECT IDENTIFIER arc with a leading zero");
  // 80 01: the packed first arcs padded the same way
  refuses(dotted(0x80, 0x01), "o: OBJECT IDENTIFIER arc with a leading zero");
  // 2a, then 90 80 80 80 00: 2^32
  refuses(dotted(0x2a, 0x90, 0x80, 0x80, 0x80, 0x00), "o: OBJECT IDENTIFIER arc too large");
  // 2a, then 86 with its continuation bit set, and nothing after
  refuses(dotted(0x2a, 0x86), "o: OBJECT IDENTIFIER ends inside an arc");
  // 81 alone: the first arc never ends
  refuses(dotted(0x81), "o: OBJECT IDENTIFIER ends inside an arc");
});

test("sameBytes compares length and every byte", () => {
  assert.equal(sameBytes(bytes(1, 2, 3), bytes(1, 2, 3)), true);
  assert.equal(sameBytes(bytes(), bytes()), true);
  assert.equal(sameBytes(bytes(1, 2, 3), bytes(1, 2)), false);
  assert.equal(sameBytes(bytes(1, 2), bytes(1, 2, 3)), false);
  assert.equal(sameBytes(bytes(1, 2, 3), bytes(1, 2, 4)), false);
});

// A DER writer independent of the reader, to check the reader against: shortest lengths unless told otherwise.

type Tree = { readonly tag: number; readonly content: readonly number[] } | { readonly tag: number; readonly children: readonly Tree[] };

/** The length octets of `length` with `extra` more bytes than its shortest form. */
function lengthOctets(length: number, extra = 0): number[] {
  if (length < 0x80 && extra === 0) return [length];
  const digits: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  if (length < 0x80) {
    // 0x81 <length> is already one byte longer than the short form.
    digits.splice(0, digits.length, length);
    extra -= 1;
  }
  const body = [...new Array<number>(extra).fill(0), ...digits];
  return [0x80 | body.length, ...body];
}

/** The DER of `trees`; the node at pre-order `pad.index` gets `pad.extra` needless length bytes, and `padAt` is where its tag sits. */
function encode(trees: readonly Tree[], pad?: { readonly index: number; readonly extra: number }): { bytes: Uint8Array; padAt: number | undefined } {
  let counter = 0;
  const emit = (tree: Tree): { bytes: number[]; padAt: number | undefined } => {
    const index = counter++;
    const body: number[] = [];
    let inner: number | undefined;
    if ("children" in tree) {
      for (const child of tree.children) {
        const written = emit(child);
        if (written.padAt !== undefined) inner = body.length + written.padAt;
        body.push(...written.bytes);
      }
    } else body.push(...tree.content);
    const padded = index === pad?.index;
    const header = [tree.tag, ...lengthOctets(body.length, padded ? pad.extra : 0)];
    return { bytes: [...header, ...body], padAt: padded ? 0 : inner === undefined ? undefined : header.length + inner };
  };
  const out: number[] = [];
  let padAt: number | undefined;
  for (const tree of trees) {
    const written = emit(tree);
    if (written.padAt !== undefined) padAt = out.length + written.padAt;
    out.push(...written.bytes);
  }
  return { bytes: Uint8Array.from(out), padAt };
}

const count = (trees: readonly Tree[]): number => trees.reduce((sum, tree) => sum + 1 + ("children" in tree ? count(tree.children) : 0), 0);

/** Each TLV takes two bytes at least: a reader that stops moving fails here rather than looping forever. */
function spend(budget: { left: number }): void {
  budget.left -= 2;
  assert.ok(budget.left >= 0, "more TLVs read than the bytes can hold");
}

/** Reads everything with DerReader, descending into every constructed tag. */
function readTrees(der: Uint8Array, reader = new DerReader(der), budget = { left: der.length }): Tree[] {
  const trees: Tree[] = [];
  while (!reader.done) {
    const node = reader.next("node");
    spend(budget);
    trees.push(node.tag & 0x20 ? { tag: node.tag, children: readTrees(der, DerReader.inside(node), budget) } : { tag: node.tag, content: [...contents(node)] });
  }
  return trees;
}

/** Like readTrees, also running each primitive through its value reader, as the certificate and key readers do. */
function readEverything(der: Uint8Array): void {
  const budget = { left: der.length };
  const walk = (reader: DerReader): void => {
    while (!reader.done) {
      const node = reader.next("node");
      spend(budget);
      if (node.tag & 0x20) walk(DerReader.inside(node));
      else if (node.tag === TAG.oid) oidText(node, "oid");
      else if (node.tag === TAG.integer) unsignedInteger(node, "integer");
      else if (node.tag === TAG.bitString) bitStringBytes(node, "bits");
    }
  };
  walk(new DerReader(der));
}

// Contents up to 300 bytes reach the one- and two-byte long forms; tag numbers stay below 31.
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 3 },
    fc
      .tuple(fc.constantFrom(0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x17, 0x80, 0x81), fc.array(fc.nat(255), { maxLength: 300 }))
      .map(([tag, content]) => ({ tag, content })),
    fc.tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa3), fc.array(tie("tree"), { maxLength: 4 })).map(([tag, children]) => ({ tag, children })),
  ),
}));
const trees = fc.array(tree, { minLength: 1, maxLength: 3 });

test("property: whatever shortest-form DER is written, the reader reads back the same TLVs", () => {
  fc.assert(
    fc.property(trees, (written) => {
      assert.deepEqual(readTrees(encode(written).bytes), written);
    }),
  );
});

test("property: one length anywhere re-encoded with needless bytes is refused at that length's offset", () => {
  const padded = trees.chain((written) =>
    fc.record({ written: fc.constant(written), index: fc.nat(count(written) - 1), extra: fc.integer({ min: 1, max: 2 }) }),
  );
  fc.assert(
    fc.property(padded, ({ written, index, extra }) => {
      const { bytes: der, padAt } = encode(written, { index, extra });
      // Past three length bytes the reader refuses the form itself; the test above covers that.
      fc.pre((der[padAt! + 1]! & 0x7f) <= 3);
      refuses(() => readTrees(der), `node: length not in its shortest form at byte ${padAt! + 1}`);
    }),
  );
});

test("property: every truncation of one TLV is refused with a DerError", () => {
  const cut = tree.chain((written) => {
    const der = encode([written]).bytes;
    return fc.record({ der: fc.constant(der), length: fc.nat(der.length - 1) });
  });
  fc.assert(
    fc.property(cut, ({ der, length }) => {
      assert.throws(() => {
        const reader = new DerReader(der.subarray(0, length));
        reader.next("root");
        reader.finish("root");
      }, DerError);
    }),
  );
});

test("property: damaged or random bytes end in a DerError or a clean read, never in another exception", () => {
  const damaged = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.tuple(trees, fc.nat(), fc.nat(255)).map(([written, at, value]) => {
      const der = encode(written).bytes;
      if (der.length > 0) der[at % der.length] = value;
      return der;
    }),
  );
  fc.assert(
    fc.property(damaged, (der) => {
      try {
        readEverything(der);
      } catch (error) {
        assert.ok(error instanceof DerError, `not a DerError: ${String(error)}`);
      }
    }),
    { numRuns: 2000 },
  );
});
