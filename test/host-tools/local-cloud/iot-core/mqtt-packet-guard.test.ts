import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MqttPacketGuard } from "../../../../host-tools/local-cloud/iot-core/MqttPacketGuard.ts";

const bytes = (...parts: (number | string)[]) => new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...Buffer.from(part)] : [part])));

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
    { name: "topic of 257 bytes", bytes: bytes(0x30, 0x03, 0x01, 0x01, "a"), verdict: "malformed" },
  ];
  for (const vector of vectors) assert.equal(new MqttPacketGuard().check(vector.bytes)?.reason, vector.verdict, vector.name);
});

test("a refusal sticks: bytes after it are not read as a new packet", () => {
  const guard = new MqttPacketGuard();
  assert.equal(guard.check(bytes(0x34))?.reason, "qos-2");
  assert.equal(guard.check(bytes(0xc0, 0x00))?.reason, "qos-2");
});

/** A PUBLISH QoS 1 of `topic` and `payload` bytes, as an encoder writes it. */
function publish(topic: Uint8Array, payload: Uint8Array): Uint8Array {
  const body = [topic.length >> 8, topic.length & 0xff, ...topic, 0x00, 0x01, ...payload];
  const length: number[] = [];
  let n = body.length;
  do {
    length.push(n % 128 | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return new Uint8Array([0x32, ...length, ...body]);
}

test("property: the verdict on a stream of packets does not depend on where it is split", () => {
  const packet = fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.uint8Array({ maxLength: 400 }))
    .map(([topic, payload]) => publish(topic, payload));
  fc.assert(
    fc.property(fc.array(packet, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (packets, cuts) => {
      const stream = new Uint8Array(packets.flatMap((p) => [...p]));
      const whole = new MqttPacketGuard().check(stream);
      const split = new MqttPacketGuard();
      const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
      let verdict;
      let from = 0;
      for (const point of [...points, stream.length]) {
        verdict = split.check(stream.subarray(from, point));
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
      assert.equal(new MqttPacketGuard().check(publish(Buffer.from(name), payload)), undefined);
    }),
  );
});
