import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Pms5003FrameParser, type Pms5003Frame, type Pms5003ParserStep } from "../../../firmware/drivers/Pms5003FrameParser";
import { encodePms5003Frame, encodePms5003Reply } from "../../../host-tools/board-sim/models/Pms5003Model.ts";

/** One data frame written out by hand from the data manual's frame table. */
// prettier-ignore
const annotatedFrame = Uint8Array.of(
  0x42, 0x4d, // start characters
  0x00, 0x1c, // frame length: 28 = 13 data words + the checksum word
  0x00, 0x05, // data 1: PM1.0, CF=1 — 5 µg/m³
  0x00, 0x08, // data 2: PM2.5, CF=1 — 8 µg/m³
  0x00, 0x0b, // data 3: PM10, CF=1 — 11 µg/m³
  0x00, 0x04, // data 4: PM1.0, atmospheric — 4 µg/m³
  0x00, 0x07, // data 5: PM2.5, atmospheric — 7 µg/m³
  0x00, 0x0a, // data 6: PM10, atmospheric — 10 µg/m³
  0x03, 0x84, // data 7: particles beyond 0.3 µm in 0.1 L — 900
  0x01, 0x0e, // data 8: beyond 0.5 µm — 270
  0x00, 0x3c, // data 9: beyond 1.0 µm — 60
  0x00, 0x06, // data 10: beyond 2.5 µm — 6
  0x00, 0x02, // data 11: beyond 5.0 µm — 2
  0x00, 0x01, // data 12: beyond 10 µm — 1
  0x97, 0x00, // data 13: reserved (parts in the field send version 0x97, error code 0x00)
  0x02, 0x4a, // checksum: the sum of the 30 bytes above, 0x024A
);

const annotatedRecord: Pms5003Frame = {
  standard: { pm1: 5, pm2_5: 8, pm10: 11 },
  atmospheric: { pm1: 4, pm2_5: 7, pm10: 10 },
  counts: { over0_3: 900, over0_5: 270, over1_0: 60, over2_5: 6, over5_0: 2, over10: 1 },
  reserved: 0x9700,
};

/** A frame a PMS sensor sent, as captured in the PyPMS project's documentation (docs/sensors/Plantower.md). */
// prettier-ignore
const capturedFrame = Uint8Array.of(
  0x42, 0x4d, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08,
  0x00, 0xd2, 0x00, 0x46, 0x00, 0x2d, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x97, 0x00, 0x02, 0xc5,
);

type ParserEvent = { frame: Pms5003Frame } | { bad: string };

function parse(chunks: Iterable<Uint8Array>): ParserEvent[] {
  const events: ParserEvent[] = [];
  const parser = new Pms5003FrameParser({ onFrame: (frame) => events.push({ frame }), onBadFrame: (bad) => events.push({ bad }) });
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => Array.from(part)));
}

/** Splits `bytes` into pieces of the given sizes, repeating them until the bytes run out. */
function chunked(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  if (sizes.length === 0) return [bytes];
  const chunks: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function checksumValid(frame: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < frame.length - 2; i++) sum += frame[i]!;
  return (sum & 0xffff) === ((frame[frame.length - 2]! << 8) | frame[frame.length - 1]!);
}

test("the annotated frame decodes field by field, and the model's encoder writes the same 32 bytes", () => {
  assert.deepEqual(parse([annotatedFrame]), [{ frame: annotatedRecord }]);
  assert.deepEqual(encodePms5003Frame(annotatedRecord), annotatedFrame);
});

test("a frame captured from a real sensor decodes", () => {
  assert.deepEqual(parse([capturedFrame]), [
    {
      frame: {
        standard: { pm1: 0, pm2_5: 8, pm10: 8 },
        atmospheric: { pm1: 0, pm2_5: 8, pm10: 8 },
        counts: { over0_3: 210, over0_5: 70, over1_0: 45, over2_5: 30, over5_0: 0, over10: 0 },
        reserved: 0x9700,
      },
    },
  ]);
});

test("fed one byte at a time, the parser walks through its named steps", () => {
  const steps: Pms5003ParserStep[] = [];
  const frames: Pms5003Frame[] = [];
  const parser = new Pms5003FrameParser({ onFrame: (frame) => frames.push(frame), onBadFrame: assert.fail });
  assert.equal(parser.step, "seek-0x42");
  for (const byte of annotatedFrame) {
    parser.push(Uint8Array.of(byte));
    steps.push(parser.step);
  }
  assert.deepEqual(steps, [
    "seek-0x4D",
    "length-high",
    "length-low",
    ...Array<Pms5003ParserStep>(26).fill("body"), // after the length's low byte, then after each body byte but the last
    "checksum",
    "checksum",
    "seek-0x42", // frame complete
  ]);
  assert.deepEqual(frames, [annotatedRecord]);
});

test("a frame split at any point into two pieces is found once", () => {
  for (let split = 0; split <= annotatedFrame.length; split++) {
    assert.deepEqual(parse([annotatedFrame.subarray(0, split), annotatedFrame.subarray(split)]), [{ frame: annotatedRecord }], `split at ${split}`);
  }
});

test("command replies (length 4) are checked and skipped without a report", () => {
  const passiveReply = Uint8Array.of(0x42, 0x4d, 0x00, 0x04, 0xe1, 0x00, 0x01, 0x74); // answer to "passive mode"
  const sleepReply = Uint8Array.of(0x42, 0x4d, 0x00, 0x04, 0xe4, 0x00, 0x01, 0x77); // answer to "sleep"
  assert.deepEqual(encodePms5003Reply(0xe1, 0x00), passiveReply);
  assert.deepEqual(encodePms5003Reply(0xe4, 0x00), sleepReply);
  assert.deepEqual(parse([concat(passiveReply, annotatedFrame, sleepReply)]), [{ frame: annotatedRecord }]);
});

test("a command reply with a bad checksum is reported", () => {
  assert.deepEqual(parse([Uint8Array.of(0x42, 0x4d, 0x00, 0x04, 0xe1, 0x00, 0x01, 0x75)]), [{ bad: "PMS5003 command reply checksum 0x0175, expected 0x0174" }]);
});

test("a data frame with a bad checksum is reported with both sums and not emitted", () => {
  const corrupted = annotatedFrame.slice();
  corrupted[13] = 0x09; // atmospheric PM2.5 7 → 9: the sum is 2 higher than the checksum says
  assert.deepEqual(parse([corrupted]), [{ bad: "PMS5003 data frame checksum 0x024A, expected 0x024C" }]);
});

test("after a bad length or a bad checksum the parser finds the next 0x42 0x4D, even one inside the bytes it had taken for a frame", () => {
  // prettier-ignore
  const garbage = [
    0x13,                         // noise
    0x42, 0x42, 0x4d, 0x00, 0x99, // a header with a length no PMS5003 frame has
    0x42, 0x4d, 0x00, 0x1c, 0x01, 0x02, // a header whose frame is cut short by the real one
  ];
  assert.deepEqual(parse([concat(garbage, annotatedFrame)]), [
    { bad: "PMS5003 frame length 0x0099, expected 0x001C (data) or 0x0004 (command reply)" },
    // The false frame took the real one's first 26 bytes as its body and checksum: its checksum is the
    // real frame's "beyond 5.0 µm" word (0x0002); its sum is 0x00AE for its own 6 bytes + 0x01B0 for 24 of the real frame's.
    { bad: "PMS5003 data frame checksum 0x0002, expected 0x025E" },
    { frame: annotatedRecord },
  ]);
});

test("a truncated frame followed by a whole one costs one report; the whole one is found", () => {
  const events = parse([concat(annotatedFrame.subarray(0, 20), annotatedFrame)]);
  assert.equal(events.length, 2);
  assert.match((events[0] as { bad: string }).bad, /^PMS5003 data frame checksum /);
  assert.deepEqual(events[1], { frame: annotatedRecord });
});

// ---- Properties ----

const word = fc.integer({ min: 0, max: 0xffff });
const concentrations = fc.record({ pm1: word, pm2_5: word, pm10: word });
const frameRecord: fc.Arbitrary<Pms5003Frame> = fc.record({
  standard: concentrations,
  atmospheric: concentrations,
  counts: fc.record({ over0_3: word, over0_5: word, over1_0: word, over2_5: word, over5_0: word, over10: word }),
  reserved: word,
});

/** Bytes that look like the line: noise, pieces of headers, whole frames and replies, frames with a byte changed. */
const lineNoise: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 255 }).map((byte) => [byte]),
      fc.constantFrom([0x42], [0x42, 0x4d], [0x42, 0x4d, 0x00, 0x1c], [0x42, 0x4d, 0x00, 0x04]),
      frameRecord.map((frame) => Array.from(encodePms5003Frame(frame))),
      fc.tuple(fc.constantFrom(0xe1, 0xe4), fc.integer({ min: 0, max: 1 })).map(([command, data]) => Array.from(encodePms5003Reply(command, data))),
      fc.tuple(frameRecord, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 255 })).map(([frame, at, delta]) => {
        const bytes = Array.from(encodePms5003Frame(frame));
        bytes[at] = (bytes[at]! + delta) & 0xff;
        return bytes.slice(0, 8 + ((at * 7) % 25)); // and sometimes cut short
      }),
    ),
    { maxLength: 30 },
  )
  .map((pieces) => Uint8Array.from(pieces.flat()));

const chunkSizes = fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 12 });

/**
 * Every emitted frame is 32 bytes of `stream`, in order and not overlapping, that decode to it and
 * whose received checksum is right. The checksum is read from the stream, not recomputed from the
 * frame: a parser that emitted a frame whose checksum was wrong fails this.
 */
function assertFramesFromValidBytes(stream: Uint8Array, events: ParserEvent[]): void {
  let from = 0;
  for (const event of events) {
    if (!("frame" in event)) continue;
    // Not the encoder's checksum, which it recomputes: only the one the stream carried counts.
    const body = encodePms5003Frame(event.frame).subarray(0, 30);
    let at = from;
    const matches = (p: number) => body.every((byte, i) => stream[p + i] === byte) && checksumValid(stream.subarray(p, p + 32));
    while (at + 32 <= stream.length && !matches(at)) at++;
    assert.ok(at + 32 <= stream.length, `no 32 bytes with a valid checksum from offset ${from} hold the frame ${JSON.stringify(event.frame)}`);
    from = at + 32;
  }
}

test("property: no byte stream, in any chunking, makes the parser throw, and the chunking does not change what it finds", () => {
  fc.assert(
    fc.property(fc.oneof(lineNoise, fc.uint8Array({ maxLength: 400 })), chunkSizes, (bytes, sizes) => {
      const whole = parse([bytes]);
      const pieces = parse(chunked(bytes, sizes));
      assert.deepEqual(pieces, whole);
      assertFramesFromValidBytes(bytes, whole);
    }),
    { numRuns: 500 },
  );
});

/**
 * Whether some 42 4D header before `start` begins a frame with a correct checksum that reaches
 * past `start`. A 16-bit sum cannot rule that out: such a frame is genuinely valid and the parser
 * rightly takes it, swallowing the start of the one at `start`. Proven impossible for replies and
 * for frames whose checksum falls on the header; left to chance (≈ 2⁻¹⁶) otherwise.
 */
function validFrameOverlaps(stream: Uint8Array, start: number): boolean {
  for (let p = 0; p < start; p++) {
    if (stream[p] !== 0x42 || stream[p + 1] !== 0x4d) continue;
    const length = (stream[p + 2]! << 8) | stream[p + 3]!;
    if (length !== 0x1c && length !== 0x04) continue;
    const end = p + length + 4;
    if (end > start && end <= stream.length && checksumValid(stream.subarray(p, end))) return true;
  }
  return false;
}

test("property: a valid frame anywhere in line noise is found, whatever the chunking", () => {
  fc.assert(
    fc.property(lineNoise, frameRecord, lineNoise, chunkSizes, (before, frame, after, sizes) => {
      const stream = concat(before, encodePms5003Frame(frame), after);
      fc.pre(!validFrameOverlaps(stream, before.length));
      const found = parse(chunked(stream, sizes)).filter((event) => "frame" in event);
      assert.ok(
        found.some((event) => "frame" in event && JSON.stringify(event.frame) === JSON.stringify(frame)),
        "the embedded frame was not found",
      );
    }),
    { numRuns: 500 },
  );
});

test("property: a valid frame with any one byte changed is never emitted", () => {
  fc.assert(
    fc.property(frameRecord, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 255 }), chunkSizes, (frame, at, delta, sizes) => {
      const bytes = encodePms5003Frame(frame);
      bytes[at] = (bytes[at]! + delta) & 0xff;
      assert.deepEqual(
        parse(chunked(bytes, sizes)).filter((event) => "frame" in event),
        [],
      );
    }),
    { numRuns: 1000 },
  );
});
