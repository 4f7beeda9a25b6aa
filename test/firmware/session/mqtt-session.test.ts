import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import mqttPacket from "mqtt-packet";
import { Backoff } from "../../../firmware/session/Backoff";
import { MqttSession, PUBLISH_PACE_PER_SECOND, type MqttClientOptions, type SessionChange } from "../../../firmware/session/MqttSession";
import { OutboundQueue } from "../../../firmware/session/OutboundQueue";
import { SeededRandom } from "../../../firmware/session/SeededRandom";
import type { HostPort } from "../../../host-tools/board-sim/platform/portable/HostPort.ts";
import { VirtualClock } from "../../../host-tools/board-sim/platform/portable/VirtualClock.ts";
import { MqttPacketGuard } from "../../../host-tools/local-cloud/iot-core/MqttPacketGuard.ts";

const idleHost: HostPort = { request: () => ({ ok: true, events: [], nextEventAt: null }) };

interface Written {
  operation?: number;
  topic?: string;
  id?: number;
  QoS?: number;
  duplicate?: boolean;
  items?: { topic: string; QoS: number }[];
  payload: string;
}

/** A scripted broker connection: the test decides when CONNACK, PUBACK, errors and closes arrive. */
class FakeClient {
  readonly written: Written[] = [];
  closed = false;
  /** What the broker is delivering now, read by the session through read(). */
  pending = new Uint8Array(0);
  constructor(readonly handlers: MqttClientOptions) {}
  write(data: ArrayBuffer, options: Omit<Written, "payload">): number {
    this.written.push({ ...options, payload: new TextDecoder().decode(data) });
    return options.id ?? 0;
  }
  read(count: number): ArrayBuffer {
    const taken = this.pending.slice(0, count);
    this.pending = this.pending.subarray(taken.length);
    return taken.buffer;
  }
  /** Delivers a message in parts, as the ECMA-419 client does for one larger than its buffer. */
  deliver(topic: string, text: string, partSize = Infinity): void {
    const all = new TextEncoder().encode(text);
    for (let at = 0; at < all.length || at === 0; at += partSize) {
      this.pending = all.slice(at, Math.min(all.length, at + partSize));
      const more = at + partSize < all.length;
      this.handlers.onReadable(this.pending.length, at === 0 ? { more, topic } : { more });
      if (!more) break;
    }
  }
  close(): void {
    this.closed = true;
  }
}

let clock: VirtualClock;
let clients: FakeClient[];
let changes: SessionChange[];

function makeSession(capacity = 100, extra: Partial<ConstructorParameters<typeof MqttSession>[0]> = {}): MqttSession {
  return new MqttSession({
    ...extra,
    connect: (handlers) => {
      const client = new FakeClient(handlers);
      clients.push(client);
      return client;
    },
    timer: { set: (callback, interval) => clock.set(callback, interval), clear: (t) => clock.clear(t as ReturnType<VirtualClock["set"]>) },
    backoff: new Backoff({ baseMs: 2000, maxMs: 900_000, floorMs: 1500, random: () => new SeededRandom(1).next() }),
    queue: new OutboundQueue(capacity),
    now: () => clock.now(),
    onChange: (change) => changes.push(change),
  });
}

const bytes = (text: string) => new TextEncoder().encode(text).buffer;
/** What the connection probe reports for a connection that got through its TLS handshake. */
const SECURED = { resolved: true, unresolved: false, secured: true } as const;

beforeEach(() => {
  (globalThis as unknown as { aqmHostPort: HostPort }).aqmHostPort = idleHost;
  clock = new VirtualClock();
  clients = [];
  changes = [];
});

test("connects, publishes queued readings in order at QoS 1 after CONNACK, and forgets each on its PUBACK", () => {
  const session = makeSession();
  session.publish("dt/aqm/t/telemetry", bytes("r1"));
  session.start();
  assert.equal(session.state, "connecting");
  session.publish("dt/aqm/t/telemetry", bytes("r2"));
  assert.equal(clients[0]!.written.length, 0, "nothing goes out before CONNACK");
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  assert.equal(session.state, "online");
  assert.deepEqual(
    clients[0]!.written.map((w) => [w.payload, w.id, w.duplicate]),
    [
      ["r1", 1, false],
      ["r2", 2, false],
    ],
  );
  clients[0]!.handlers.onControl({ operation: 4, id: 1 });
  let drained = false;
  session.drain(() => (drained = true));
  assert.equal(drained, false, "r2 is still unacknowledged");
  clients[0]!.handlers.onControl({ operation: 4, id: 2 });
  assert.equal(drained, true);
  assert.equal(session.state, "stopped");
  assert.equal(clients[0]!.written.at(-1)!.operation, 14, "a clean DISCONNECT goes out");
});

test("a lost connection resends every unacknowledged reading, in order, marked duplicate", () => {
  const session = makeSession();
  session.start();
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  session.publish("t", bytes("a"));
  session.publish("t", bytes("b"));
  clients[0]!.handlers.onControl({ operation: 4, id: 1 });
  clients[0]!.handlers.onError(SECURED);
  const waiting = changes.at(-1)!;
  assert.equal(waiting.state, "waiting");
  assert.equal(waiting.failure, "closed");
  assert.ok(waiting.retryInMs! >= 1500 && waiting.retryInMs! <= 2000, `first retry within [floor, base]: ${waiting.retryInMs}`);
  clock.advance(waiting.retryInMs!);
  assert.equal(clients.length, 2);
  clients[1]!.handlers.onControl({ operation: 2, id: 0 });
  assert.deepEqual(
    clients[1]!.written.map((w) => [w.payload, w.duplicate]),
    [["b", true]],
  );
});

test("a rejected certificate or refused authorisation waits the longest backoff instead of retrying soon", () => {
  const refusals = [
    ["tls-rejected", { resolved: true, unresolved: false, secured: false, tlsError: "alert: 2, 42" }],
    ["not-authorised", SECURED],
  ] as const;
  for (const [code, stage] of refusals) {
    clock = new VirtualClock();
    changes = [];
    clients = [];
    const session = makeSession();
    session.start();
    clients[0]!.handlers.onError(stage);
    assert.equal(changes.at(-1)!.failure, code);
    assert.equal(changes.at(-1)!.retryInMs, 900_000);
    clock.advance(899_999);
    assert.equal(clients.length, 1, `no retry before the long wait for ${code}`);
    clock.advance(1);
    assert.equal(clients.length, 2);
  }
});

test("a reset or time-out in the TLS handshake with no TLS alert is the network: short backoff with jitter, never tls-rejected", () => {
  const session = makeSession();
  session.start();
  // The resolver answered and the TCP socket opened, then the broker's listen queue overflowed: ECONNRESET, no alert.
  clients[0]!.handlers.onError({ resolved: true, unresolved: false, secured: false });
  const waiting = changes.at(-1)!;
  assert.equal(waiting.failure, "broker-unreachable");
  assert.match(waiting.detail!, /no TLS alert/);
  assert.ok(waiting.retryInMs! >= 1500 && waiting.retryInMs! <= 2000, `a short first retry: ${waiting.retryInMs}`);
  clients[0]!.handlers.onError({ resolved: true, unresolved: false, secured: false, tlsError: "late noise" });
  assert.equal(changes.at(-1)!.failure, "broker-unreachable", "a second report from a client already failed changes nothing");
});

test("no CONNACK in time, or no PUBACK in time, counts as a failure and the session tries again", () => {
  const session = makeSession();
  session.start();
  clock.advance(30_000);
  assert.equal(changes.at(-1)!.failure, "broker-unreachable");
  assert.equal(clients[0]!.closed, true);
  clock.advance(changes.at(-1)!.retryInMs!);
  clients[1]!.handlers.onControl({ operation: 2, id: 0 });
  session.publish("t", bytes("x"));
  clock.advance(30_000);
  assert.equal(changes.at(-1)!.detail, "no PUBACK in time");
});

test("backoff grows (full jitter under a doubling cap) and never goes below the one-CONNECT-per-second floor", () => {
  const random = new SeededRandom(42);
  const backoff = new Backoff({ baseMs: 2000, maxMs: 60_000, floorMs: 1500, random: () => random.next() });
  const waits = Array.from({ length: 12 }, () => backoff.next());
  waits.forEach((wait, i) => {
    assert.ok(wait >= 1500, `wait ${i} is ${wait}`);
    assert.ok(wait <= Math.min(60_000, 2000 * 2 ** i), `wait ${i} is ${wait}, over its cap`);
  });
  assert.ok(Math.max(...waits.slice(6)) > 2000, "later waits can be long");
  assert.throws(() => new Backoff({ baseMs: 0, maxMs: 1, floorMs: 0, random: Math.random }), /invalid backoff/);
});

test("a full queue drops the oldest reading and says so", () => {
  const session = makeSession(2);
  assert.equal(session.publish("t", bytes("1")), 0);
  assert.equal(session.publish("t", bytes("2")), 0);
  assert.equal(session.publish("t", bytes("3")), 1);
  assert.equal(session.dropped, 1);
  session.start();
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  assert.deepEqual(
    clients[0]!.written.map((w) => w.payload),
    ["2", "3"],
  );
});

test("on every connection it subscribes at QoS 1 after CONNACK, reports the filters a SUBACK refuses, and reassembles messages delivered in parts", () => {
  const received: [string, string][] = [];
  const subscribed: (readonly string[])[] = [];
  const session = makeSession(100, {
    subscriptions: ["$aws/things/b/shadow/update/delta", "$aws/things/b/shadow/get/accepted"],
    onMessage: (topic, payload) => received.push([topic, new TextDecoder().decode(payload)]),
    onSubscribed: (refused) => subscribed.push(refused),
  });
  session.start();
  const client = clients[0]!;
  client.handlers.onControl({ operation: 2, id: 0 });
  const subscribe = client.written.find((w) => w.operation === 8)!;
  assert.deepEqual(subscribe.items, [
    { topic: "$aws/things/b/shadow/update/delta", QoS: 1 },
    { topic: "$aws/things/b/shadow/get/accepted", QoS: 1 },
  ]);
  client.handlers.onControl({ operation: 9, id: subscribe.id!, payload: Uint8Array.of(1, 0x80) });
  assert.deepEqual(subscribed, [["$aws/things/b/shadow/get/accepted"]], "0x80 is a refusal (MQTT 3.1.1, 3.9.3)");
  client.deliver("$aws/things/b/shadow/update/delta", '{"state":{"sampleIntervalMs":120000}}', 7);
  assert.deepEqual(received, [["$aws/things/b/shadow/update/delta", '{"state":{"sampleIntervalMs":120000}}']]);

  client.handlers.onError(SECURED);
  clock.advance(changes.at(-1)!.retryInMs!);
  const again = clients.at(-1)!;
  assert.notEqual(again, client);
  again.handlers.onControl({ operation: 2, id: 0 });
  assert.equal(again.written.filter((w) => w.operation === 8).length, 1, "a clean session keeps no subscriptions, so each connection subscribes again");
});

test("more filters than one SUBSCRIBE may carry go 8 to a SUBSCRIBE, and onSubscribed waits for every SUBACK", () => {
  const filters = Array.from({ length: 19 }, (_, i) => `cmd/aqm/b/f${i}`);
  const subscribed: (readonly string[])[] = [];
  const session = makeSession(100, { subscriptions: filters, onSubscribed: (refused) => subscribed.push(refused) });
  session.start();
  const client = clients[0]!;
  client.handlers.onControl({ operation: 2, id: 0 });
  const subscribes = client.written.filter((w) => w.operation === 8);
  assert.deepEqual(
    subscribes.map((w) => w.items!.map((item) => item.topic)),
    [filters.slice(0, 8), filters.slice(8, 16), filters.slice(16)],
    "AWS IoT Core ends a connection whose SUBSCRIBE carries a ninth filter",
  );
  assert.equal(new Set(subscribes.map((w) => w.id)).size, 3, "each SUBSCRIBE has its own packet id");
  for (const w of subscribes) {
    const wire = mqttPacket.generate({ cmd: "subscribe", messageId: w.id!, subscriptions: w.items!.map((item) => ({ topic: item.topic, qos: 1 })) });
    assert.equal(new MqttPacketGuard().check(wire).refusal, undefined, "the local IoT Core's packet guard, which keeps AWS's limits, lets each through");
  }

  // SUBACKs may come in any order; a code missing from a short SUBACK is a refusal too.
  client.handlers.onControl({ operation: 9, id: subscribes[2]!.id!, payload: Uint8Array.of(1, 0x80, 1) });
  client.handlers.onControl({ operation: 9, id: subscribes[0]!.id!, payload: Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1) });
  client.handlers.onControl({ operation: 9, id: subscribes[0]!.id!, payload: Uint8Array.of(0x80) });
  assert.deepEqual(subscribed, [], "one SUBACK still awaited; a repeated one is not counted again");
  client.handlers.onControl({ operation: 9, id: subscribes[1]!.id!, payload: Uint8Array.of(1, 1, 1, 1, 1, 1, 0x80) });
  assert.deepEqual(subscribed, [[filters[17], filters[14], filters[15]]]);
});

test("a SUBACK from a connection that has since failed is not taken for the new connection's", () => {
  const subscribed: (readonly string[])[] = [];
  const session = makeSession(100, { subscriptions: ["cmd/aqm/b/a"], onSubscribed: (refused) => subscribed.push(refused) });
  session.start();
  const first = clients[0]!;
  first.handlers.onControl({ operation: 2, id: 0 });
  const stale = first.written.find((w) => w.operation === 8)!;
  first.handlers.onError(SECURED);
  first.handlers.onControl({ operation: 9, id: stale.id!, payload: Uint8Array.of(0x80) });
  assert.deepEqual(subscribed, []);
  clock.advance(changes.at(-1)!.retryInMs!);
  const again = clients.at(-1)!;
  again.handlers.onControl({ operation: 2, id: 0 });
  again.handlers.onControl({ operation: 9, id: again.written.find((w) => w.operation === 8)!.id!, payload: Uint8Array.of(1) });
  assert.deepEqual(subscribed, [[]]);
});

test("more subscriptions than AWS IoT Core holds on one connection are refused when the session is made", () => {
  const filters = (n: number) => Array.from({ length: n }, (_, i) => `cmd/aqm/b/f${i}`);
  assert.doesNotThrow(() => makeSession(100, { subscriptions: filters(50) }));
  assert.throws(() => makeSession(100, { subscriptions: filters(51) }), /51 subscriptions: AWS IoT Core holds at most 50 on one connection/);
});

/** Acknowledges every QoS 1 PUBLISH the client has written and not had acknowledged, until it writes no more. */
function acknowledgeAll(client: FakeClient, acknowledged: Set<number>): void {
  for (let more = true; more; ) {
    more = false;
    for (const w of client.written)
      if (w.operation === 3 && w.QoS === 1 && !acknowledged.has(w.id!)) {
        acknowledged.add(w.id!);
        client.handlers.onControl({ operation: 4, id: w.id! });
        more = true;
      }
  }
}

test("a backlog replays within the publish pace, under AWS IoT Core's 100 a second, however fast the PUBACKs come", () => {
  assert.equal(PUBLISH_PACE_PER_SECOND, 90);
  const session = makeSession(500);
  for (let i = 0; i < 300; i++) session.publish("dt/aqm/b/telemetry", bytes(`{"n":${i}}`));
  session.start();
  const client = clients[0]!;
  client.handlers.onControl({ operation: 2, id: 0 });
  const acknowledged = new Set<number>();
  const publishesAt: number[] = [];
  const seen = () => {
    for (let i = publishesAt.length; i < client.written.filter((w) => w.operation === 3).length; i++) publishesAt.push(clock.now());
  };
  acknowledgeAll(client, acknowledged);
  seen();
  assert.equal(publishesAt.length, 80, "90 a second, 10 of them left for send()");
  for (let step = 0; step < 60 && acknowledged.size < 300; step++) {
    clock.advance(100);
    acknowledgeAll(client, acknowledged);
    seen();
  }
  assert.equal(acknowledged.size, 300, "every reading went, none lost to the pace");
  for (let i = 0; i < publishesAt.length; i++) {
    const inSecond = publishesAt.filter((t) => t > publishesAt[i]! - 1000 && t <= publishesAt[i]!).length;
    assert.ok(inSecond <= 80, `${inSecond} outbox PUBLISHes in the second up to ${publishesAt[i]} ms`);
  }
  assert.equal(session.state, "online", "no PUBACK was missed, so the connection never failed");
});

test("send() has its share of the pace while a backlog replays, and is refused (false) beyond it", () => {
  const session = makeSession(500);
  for (let i = 0; i < 200; i++) session.publish("dt/aqm/b/telemetry", bytes(`{"n":${i}}`));
  session.start();
  const client = clients[0]!;
  client.handlers.onControl({ operation: 2, id: 0 });
  acknowledgeAll(client, new Set());
  const sent = Array.from({ length: 12 }, () => session.send("$aws/things/b/shadow/update", bytes("{}")));
  assert.deepEqual(sent, [...Array<boolean>(10).fill(true), false, false], "the 10 the backlog left, then nothing until the second is out");
  clock.advance(1000);
  assert.equal(session.send("$aws/things/b/shadow/update", bytes("{}")), true);
});

test("send() goes out at QoS 0 outside the outbox when online, and is refused (false) when not", () => {
  const session = makeSession();
  assert.equal(session.send("$aws/things/b/shadow/update", bytes("{}")), false);
  session.start();
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  assert.equal(session.send("$aws/things/b/shadow/update", bytes('{"state":{}}')), true);
  const sent = clients[0]!.written.at(-1)!;
  assert.deepEqual([sent.operation, sent.topic, sent.QoS, sent.payload], [3, "$aws/things/b/shadow/update", 0, '{"state":{}}']);
});

test("a write on a connection that dropped before its close event arrived is one more failure, not a crash: the reading waits for the next connection", () => {
  const session = makeSession();
  session.start();
  const client = clients[0]!;
  client.handlers.onControl({ operation: 2, id: 0 });
  client.write = () => {
    throw new Error("MQTT connection 1 is closed");
  };
  assert.doesNotThrow(() => session.publish("dt/aqm/b/telemetry", bytes("r1")));
  assert.equal(changes.at(-1)!.state, "waiting");
  assert.equal(changes.at(-1)!.failure, "closed");
  assert.match(changes.at(-1)!.detail!, /write failed: MQTT connection 1 is closed/);
  clock.advance(changes.at(-1)!.retryInMs!);
  const next = clients.at(-1)!;
  next.handlers.onControl({ operation: 2, id: 0 });
  assert.deepEqual(
    next.written.filter((w) => w.operation === 3).map((w) => w.payload),
    ["r1"],
  );
});

test('batching: a backlog on one topic goes as {"batch":[…]} messages within the byte limit, one PUBACK acknowledges a whole batch, a lone reading goes as it is', () => {
  const session = makeSession(100, { batchBytes: 41 });
  // 9-byte readings: a batch of n is 9n + 12 + (n - 1) bytes, so 3 fit in 41 exactly and 4 do not.
  for (let i = 1; i <= 7; i++) session.publish("dt/aqm/t/telemetry", bytes(`{"s":${String(i).padStart(3, "0")}}`));
  session.publish("dt/aqm/t/other", bytes(`{"o":1}`));
  session.start();
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  const sent = clients[0]!.written;
  assert.deepEqual(
    sent.map((w) => [w.topic, w.id, w.payload]),
    [
      ["dt/aqm/t/telemetry", 1, `{"batch":[{"s":001},{"s":002},{"s":003}]}`],
      ["dt/aqm/t/telemetry", 2, `{"batch":[{"s":004},{"s":005},{"s":006}]}`],
      ["dt/aqm/t/telemetry", 3, `{"s":007}`],
      ["dt/aqm/t/other", 4, `{"o":1}`],
    ],
  );
  assert.ok(sent.every((w) => new TextEncoder().encode(w.payload).length <= 41));
  clients[0]!.handlers.onControl({ operation: 4, id: 2 });
  assert.equal(session.dropped, 0);
  let drained = false;
  session.drain(() => (drained = true));
  for (const id of [1, 3]) clients[0]!.handlers.onControl({ operation: 4, id });
  assert.equal(drained, false, "the other topic's message is still unacknowledged");
  clients[0]!.handlers.onControl({ operation: 4, id: 4 });
  assert.equal(drained, true, "each PUBACK took every reading of its batch");
});

/** The first connection drops; the session connects again after its backoff and is accepted. What it writes on the new connection. */
function dropAndReconnect(): Written[] {
  clients[0]!.handlers.onError(SECURED);
  clock.advance(changes.at(-1)!.retryInMs!);
  clients[1]!.handlers.onControl({ operation: 2, id: 0 });
  return clients[1]!.written;
}

test("batching: the in-flight limit counts readings, and a batch lost with its connection is sent again, regrouped, marked duplicate only if every reading in it went before", () => {
  const session = makeSession(100, { batchBytes: 5_000, maxInFlight: 4 });
  session.start();
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  session.publish("t", bytes(`{"s":1}`));
  for (let i = 2; i <= 6; i++) session.publish("t", bytes(`{"s":${i}}`));
  // Each reading was published while online: each went alone, until the window of 4 was full; s5, s6 wait.
  const firstRound = clients[0]!.written.map((w) => w.payload);
  const readingsSent = firstRound.flatMap((p) => (JSON.parse(p) as { batch?: unknown[] }).batch ?? [JSON.parse(p)]);
  assert.equal(readingsSent.length, 4, `window of 4 readings: ${firstRound.join(" ")}`);
  const again = dropAndReconnect();
  assert.deepEqual(
    again.map((w) => [w.payload, w.duplicate]),
    [[`{"batch":[{"s":1},{"s":2},{"s":3},{"s":4}]}`, true]],
  );
  clients[1]!.handlers.onControl({ operation: 4, id: again[0]!.id! });
  assert.deepEqual(
    clients[1]!.written.slice(1).map((w) => [w.payload, w.duplicate]),
    [[`{"batch":[{"s":5},{"s":6}]}`, false]],
  );
});

test("batching: a byte limit over IoT Core's 128 KB message limit is refused", () => {
  assert.throws(
    () => makeSession(100, { batchBytes: 128 * 1024 + 1 }),
    /batchBytes must be an integer from 0 to 131072 \(AWS IoT Core.s largest message\), not 131073/,
  );
});

/** Readings of the JSON messages written so far, whether each went alone or in a batch. */
function readingsIn(written: readonly Written[]): unknown[] {
  return written.filter((w) => w.operation === 3).flatMap((w) => (JSON.parse(w.payload) as { batch?: unknown[] }).batch ?? [JSON.parse(w.payload)]);
}

test("batch wait: on a metered link a reading that would go short waits until batchWaitMs after the last message, so one message carries the interval's readings; none waits longer", () => {
  const session = makeSession(100, { batchBytes: 5_000, batchWaitMs: 600_000 });
  session.start();
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  const sent = clients[0]!.written;
  session.publish("t", bytes(`{"s":1}`));
  assert.deepEqual(
    sent.map((w) => w.payload),
    [`{"s":1}`],
    "the first reading has no message to wait after: it goes at once",
  );
  clients[0]!.handlers.onControl({ operation: 4, id: 1 });
  for (let s = 2; s <= 10; s++) {
    clock.advance(60_000);
    session.publish("t", bytes(`{"s":${s}}`));
  }
  assert.equal(sent.length, 1, "readings 2 … 10 wait: 540 s since the last message");
  clock.advance(59_999);
  assert.equal(sent.length, 1);
  clock.advance(1);
  assert.deepEqual(
    sent.slice(1).map((w) => [w.payload, w.duplicate]),
    [[`{"batch":[{"s":2},{"s":3},{"s":4},{"s":5},{"s":6},{"s":7},{"s":8},{"s":9},{"s":10}]}`, false]],
    "600 s after reading 1 went, the nine go as one message: reading 2 waited 540 s",
  );
  clients[0]!.handlers.onControl({ operation: 4, id: sent[1]!.id! });
  clock.advance(60_000);
  session.publish("t", bytes(`{"s":11}`));
  assert.equal(sent.length, 2, "the next interval's readings wait after the batch");
  assert.equal(session.batchWaitMs, 600_000);
});

test("batch wait: a full batch goes at once, a resend never waits again, and drain sends what waits", () => {
  const session = makeSession(100, { batchBytes: 41, batchWaitMs: 600_000 });
  session.start();
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  for (let s = 101; s <= 106; s++) session.publish("t", bytes(`{"s":${s}}`));
  // Three 9-byte readings fill 41 bytes: 102 … 104 cannot grow and go; 105 and 106 could, and wait.
  assert.deepEqual(readingsIn(clients[0]!.written), [{ s: 101 }, { s: 102 }, { s: 103 }, { s: 104 }]);
  const again = dropAndReconnect();
  assert.deepEqual(
    again.map((w) => [w.payload, w.duplicate]),
    [
      [`{"batch":[{"s":101},{"s":102},{"s":103}]}`, true],
      [`{"batch":[{"s":104},{"s":105},{"s":106}]}`, false],
    ],
    "a batch holding a resend goes at once, and 105 and 106 ride with 104",
  );
  session.publish("t", bytes(`{"s":107}`));
  assert.equal(again.length, 2, "107 waits");
  let drained = false;
  session.drain(() => (drained = true));
  assert.deepEqual(readingsIn(again).slice(6), [{ s: 107 }], "draining: the waiting reading goes now");
  for (const w of again) clients[1]!.handlers.onControl({ operation: 4, id: w.id! });
  assert.equal(drained, true);
});

test("batch wait: the cloud can change it at run time; 0 sends what waits at once; a bad value is refused with the setting's name", () => {
  const session = makeSession(100, { batchBytes: 5_000, batchWaitMs: 300_000 });
  session.start();
  clients[0]!.handlers.onControl({ operation: 2, id: 0 });
  session.publish("t", bytes(`{"s":1}`));
  session.publish("t", bytes(`{"s":2}`));
  assert.equal(readingsIn(clients[0]!.written).length, 1);
  session.batchWaitMs = 0;
  assert.deepEqual(readingsIn(clients[0]!.written), [{ s: 1 }, { s: 2 }]);
  session.publish("t", bytes(`{"s":3}`));
  assert.deepEqual(readingsIn(clients[0]!.written).at(-1), { s: 3 }, "with no wait a reading goes as it is queued");
  assert.throws(() => (session.batchWaitMs = 3_600_001), /batchWaitMs must be an integer from 0 to 3600000, not 3600001/);
  assert.throws(() => (session.batchWaitMs = 1.5), /batchWaitMs must be an integer/);
  assert.throws(() => makeSession(100, { batchWaitMs: 60_000 }), /batchWaitMs needs batchBytes/);
});
