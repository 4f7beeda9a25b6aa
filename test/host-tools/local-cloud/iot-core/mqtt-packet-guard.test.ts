import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MAX_FILTERS_PER_SUBSCRIBE, MAX_PUBLISHES_PER_SECOND } from "../../../../host-tools/local-cloud/iot-core/IotCoreLimits.ts";
import { MqttPacketGuard, type GuardVerdict } from "../../../../host-tools/local-cloud/iot-core/MqttPacketGuard.ts";

const bytes = (...parts: (number | string)[]) => new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...Buffer.from(part)] : [part])));
const joined = (verdict: GuardVerdict) => new Uint8Array(verdict.forward.flatMap((part) => [...part]));

/** A SUBSCRIBE (packet id 1) of `filters`, each at QoS 1, as an encoder writes it. */
function subscribe(filters: readonly string[]): Uint8Array {
  const body = [0x00, 0x01, ...filters.flatMap((filter) => [0x00, filter.length, ...Buffer.from(filter), 0x01])];
  return new Uint8Array([0x82, ...lengthBytes(body.length), ...body]);
}

test("annotated vectors: what passes and what is refused, with the reason", () => {
  const vectors: { name: string; bytes: Uint8Array; verdict?: string }[] = [
    { name: "PINGREQ", bytes: bytes(0xc0, 0x00) },
    // 0x32 PUBLISH QoS 1 | remaining 7 | topic length 2 "a/" | packet id 1 | payload "{}"
    { name: "PUBLISH QoS 1", bytes: bytes(0x32, 0x08, 0x00, 0x02, "a/", 0x00, 0x01, "{}") },
    // 0x34 PUBLISH QoS 2: refused at the first byte
    { name: "PUBLISH QoS 2", bytes: bytes(0x34, 0x05, 0x00, 0x01, "a", 0x00, 0x01), verdict: "qos-2" },
    // 0x10 CONNECT | remaining length 0x80 0x80 0x80 0x01 = 2,097,152
    { name: "CONNECT of 2 MB", bytes: bytes(0x10, 0x80, 0x80, 0x80, 0x01), verdict: "too-large" },
    // remaining length with a fifth continuation byte
    { name: "length past 4 bytes", bytes: bytes(0x10, 0xff, 0xff, 0xff, 0xff), verdict: "malformed" },
    // PUBLISH QoS 0 | remaining 5 | topic length 3 "a", 0xc3 0x28 (invalid UTF-8)
    { name: "topic not UTF-8", bytes: bytes(0x30, 0x05, 0x00, 0x03, "a", 0xc3, 0x28), verdict: "malformed" },
    // PUBLISH QoS 0 | remaining 4 | topic length 2 "a" NUL
    { name: "topic with NUL", bytes: bytes(0x30, 0x04, 0x00, 0x02, "a", 0x00), verdict: "malformed" },
    // PUBLISH QoS 0 | remaining 3 | topic length 0x0101 = 257 > the packet and the limit
    // 0x82 SUBSCRIBE | remaining 6 | packet id 1 | filter length 1 "a" | QoS 1
    { name: "SUBSCRIBE of 1 filter", bytes: bytes(0x82, 0x06, 0x00, 0x01, 0x00, 0x01, "a", 0x01) },
    // SUBSCRIBE | remaining 5 | packet id 1 | filter length 3, but only "a" and a QoS byte left
    { name: "SUBSCRIBE filter past its packet", bytes: bytes(0x82, 0x05, 0x00, 0x01, 0x00, 0x03, "a"), verdict: "malformed" },
    // SUBSCRIBE | remaining 1 | half a packet identifier
    { name: "SUBSCRIBE ends in its packet id", bytes: bytes(0x82, 0x01, 0x00), verdict: "malformed" },
    { name: `SUBSCRIBE of ${MAX_FILTERS_PER_SUBSCRIBE} filters`, bytes: subscribe(["a", "b", "c", "d", "e", "f", "g", "h"]) },
    {
      name: `SUBSCRIBE of ${MAX_FILTERS_PER_SUBSCRIBE + 1} filters`,
      bytes: subscribe(["a", "b", "c", "d", "e", "f", "g", "h", "i"]),
      verdict: "too-many-filters",
    },
  ];
  for (const vector of vectors) {
    const verdict = new MqttPacketGuard().check(vector.bytes);
    assert.equal(verdict.refusal?.reason, vector.verdict, vector.name);
    assert.deepEqual(joined(verdict), vector.verdict ? new Uint8Array(0) : vector.bytes, `${vector.name}: forwarded bytes`);
  }
});

test("a refusal sticks: bytes after it are not read as a new packet", () => {
  const guard = new MqttPacketGuard();
  assert.equal(guard.check(bytes(0x34)).refusal?.reason, "qos-2");
  assert.equal(guard.check(bytes(0xc0, 0x00)).refusal?.reason, "qos-2");
});

function lengthBytes(n: number): number[] {
  const length: number[] = [];
  do {
    length.push(n % 128 | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return length;
}

/** A PUBLISH QoS 1 of `topic` and `payload` bytes, as an encoder writes it. */
function publish(topic: Uint8Array, payload: Uint8Array): Uint8Array {
  const body = [topic.length >> 8, topic.length & 0xff, ...topic, 0x00, 0x01, ...payload];
  return new Uint8Array([0x32, ...lengthBytes(body.length), ...body]);
}

test(`publish quota: in one instant ${MAX_PUBLISHES_PER_SECOND} PUBLISH pass, the next is cut out whole and a PINGREQ after it passes; a second later PUBLISH passes again`, () => {
  let now = 5_000;
  const guard = new MqttPacketGuard({ now: () => now });
  const one = publish(Buffer.from("dt/aqm/a/telemetry"), Buffer.from("{}"));
  for (let i = 0; i < MAX_PUBLISHES_PER_SECOND; i++) assert.deepEqual(guard.check(one), { forward: [one], discarded: [] }, `PUBLISH ${i + 1}`);
  const ping = bytes(0xc0, 0x00);
  const verdict = guard.check(new Uint8Array([...one, ...ping]));
  assert.equal(verdict.discarded.length, 1);
  assert.match(verdict.discarded[0]!, /^PUBLISH over AWS IoT Core's 100 publishes per second on one connection: discarded, no PUBACK$/);
  assert.deepEqual(joined(verdict), ping);
  now += 999;
  assert.equal(guard.check(one).discarded.length, 1, "still within the second of the first 100");
  now += 1;
  assert.deepEqual(guard.check(one), { forward: [one], discarded: [] });
});

test("property: a discarded PUBLISH split anywhere leaves exactly the other packets' bytes", () => {
  const kept = fc.constantFrom(bytes(0xc0, 0x00), subscribe(["dt/aqm/a/cmd"]), bytes(0xe0, 0x00));
  fc.assert(
    fc.property(
      fc.array(kept, { maxLength: 4 }),
      fc.array(kept, { maxLength: 4 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (head, tail, payload, cuts) => {
        const guard = new MqttPacketGuard({ now: () => 0 });
        const filler = publish(Buffer.from("a"), Buffer.from(""));
        for (let i = 0; i < MAX_PUBLISHES_PER_SECOND; i++) guard.check(filler);
        const stream = new Uint8Array([...head.flatMap((p) => [...p]), ...publish(Buffer.from("dt/aqm/a/telemetry"), payload), ...tail.flatMap((p) => [...p])]);
        const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
        const forwarded: number[] = [];
        let discarded = 0;
        let from = 0;
        for (const point of [...points, stream.length]) {
          const verdict = guard.check(stream.subarray(from, point));
          assert.equal(verdict.refusal, undefined);
          forwarded.push(...joined(verdict));
          discarded += verdict.discarded.length;
          from = point;
        }
        assert.equal(discarded, 1);
        assert.deepEqual(new Uint8Array(forwarded), new Uint8Array([...head.flatMap((p) => [...p]), ...tail.flatMap((p) => [...p])]));
      },
    ),
  );
});

test("property: the verdict on a stream of packets does not depend on where it is split", () => {
  const packet = fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.uint8Array({ maxLength: 400 }))
    .map(([topic, payload]) => publish(topic, payload));
  fc.assert(
    fc.property(fc.array(packet, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (packets, cuts) => {
      const stream = new Uint8Array(packets.flatMap((p) => [...p]));
      const whole = new MqttPacketGuard().check(stream).refusal;
      const split = new MqttPacketGuard();
      const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
      let verdict;
      let from = 0;
      for (const point of [...points, stream.length]) {
        verdict = split.check(stream.subarray(from, point)).refusal;
        from = point;
      }
      assert.deepEqual(verdict, whole);
    }),
  );
});

test("property: well-formed PUBLISH packets within the limits all pass", () => {
  const topic = fc.stringMatching(/^[a-z0-9]{1,20}(\/[a-z0-9]{1,20}){0,7}$/).filter((t) => Buffer.byteLength(t) <= 256);
  fc.assert(
    fc.property(topic, fc.uint8Array({ maxLength: 2000 }), (name, payload) => {
      const packet = publish(Buffer.from(name), payload);
      assert.deepEqual(joined(new MqttPacketGuard().check(packet)), packet);
    }),
  );
});
