import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import type { HostPort, PortEvent, PortReply, PortRequest } from "../../../../host-tools/board-sim/platform/portable/HostPort.ts";
import device from "../../../../host-tools/board-sim/platform/portable/provider.ts";
import I2C from "../../../../host-tools/board-sim/platform/portable/I2C.ts";
import Serial from "../../../../host-tools/board-sim/platform/portable/Serial.ts";
import MQTTClient from "../../../../host-tools/board-sim/platform/portable/MqttClient.ts";
import TCP from "../../../../host-tools/board-sim/platform/portable/tcp.ts";
import TLSSocket from "../../../../host-tools/board-sim/platform/portable/tls.ts";
import UDP from "../../../../host-tools/board-sim/platform/portable/udp.ts";
import Resolver from "../../../../host-tools/board-sim/platform/portable/resolver.ts";
import { boardClock } from "../../../../host-tools/board-sim/platform/portable/VirtualClock.ts";
import { ConnectionProbe } from "../../../../firmware/session/ConnectionProbe";
import { mqttsTransport, type ResolverClass, type SocketClass } from "../../../../firmware/network/MqttsNetwork";

/** A host that answers every request, records them, and hands the events a test queues to the next tick. */
class ScriptedHost implements HostPort {
  readonly requests: PortRequest[] = [];
  readonly queued: PortEvent[] = [];
  /** Bytes waiting in the UART's receive FIFO. */
  readonly uartBytes: number[] = [];
  constructor(readonly build: "debug" | "release" = "release") {}
  request(request: PortRequest): PortReply {
    this.requests.push(request);
    if (request.op === "config") return { ok: true, value: JSON.stringify({ config: {}, epochAtBoot: 0, build: this.build }) };
    if (request.op === "tick") return { ok: true, events: this.queued.splice(0), nextEventAt: null };
    if (request.op === "serial.read") return { ok: true, data: Uint8Array.from(this.uartBytes.splice(0, request.max)) };
    return { ok: true };
  }
}

let host: ScriptedHost;
beforeEach(() => {
  host = new ScriptedHost();
  (globalThis as unknown as { aqmHostPort: HostPort }).aqmHostPort = host;
});

test("point 6/8: the provider is the SDK's generic ESP32 one: io and pin only, no I2C.default, Serial.default or network", () => {
  assert.deepEqual(Object.keys(device).sort(), ["io", "pin"]);
  assert.equal((device as Record<string, unknown>).network, undefined);
});

test("point 8: I2C refuses a bus without hz, as the SDK's ESP32 I2C does, and a second open of one address on the same pins", () => {
  assert.throws(() => new I2C({ data: 21, clock: 22, address: 0x44 }), { name: "RangeError", message: "invalid hz" });
  assert.throws(() => new I2C({ data: 21, clock: 22, address: 0x44, hz: 30_000_000 }), { name: "RangeError", message: "invalid hz" });
  assert.throws(() => new I2C({ clock: 22, address: 0x44, hz: 100_000 }), { message: "data required" });
  const sensor = new I2C({ data: 21, clock: 22, address: 0x44, hz: 100_000 });
  assert.throws(() => new I2C({ data: 21, clock: 22, address: 0x44, hz: 100_000 }), { message: "duplicate address" });
  sensor.close();
  new I2C({ data: 21, clock: 22, address: 0x44, hz: 100_000 }).close();
});

test("point 8: Serial refuses a UART without baud, without pins, and one already open (port in use)", () => {
  assert.throws(() => new Serial({ port: 2, receive: 16, transmit: 17 }), { name: "RangeError", message: "invalid baud" });
  assert.throws(() => new Serial({ port: 2, baud: 9600 }), { message: "invalid" });
  assert.throws(() => new Serial({ port: 3, receive: 16, baud: 9600 }), { message: "invalid port" });
  const uart = new Serial({ port: 2, receive: 16, transmit: 17, baud: 9600 });
  assert.throws(() => new Serial({ port: 2, receive: 16, transmit: 17, baud: 9600 }), { name: "RangeError", message: "port in use" });
  uart.close();
  new Serial({ port: 2, receive: 16, transmit: 17, baud: 9600 }).close();
  assert.ok(host.requests.some((r) => r.op === "serial.open" && r.baud === 9600));
});

test("point 8: Serial.read as the SDK's: into a buffer it returns the count and allocates nothing; nothing waiting is undefined; a length of 0 is invalid", () => {
  const uart = new Serial({ port: 2, receive: 16, transmit: 17, baud: 9600 });
  const buffer = new Uint8Array(4).fill(0xee);
  assert.equal(uart.read(buffer), undefined);
  host.uartBytes.push(0x42, 0x4d, 0x00, 0x1c, 0x01, 0x02);
  // As much as fits, the rest left for the next read; into a view, at its offset.
  assert.equal(uart.read(buffer), 4);
  assert.deepEqual([...buffer], [0x42, 0x4d, 0x00, 0x1c]);
  const window = new Uint8Array(buffer.buffer, 1, 3);
  assert.equal(uart.read(window), 2);
  assert.deepEqual([...buffer], [0x42, 0x01, 0x02, 0x1c]);
  host.uartBytes.push(7, 8, 9);
  assert.deepEqual([...new Uint8Array(uart.read(2) as ArrayBuffer)], [7, 8]);
  assert.deepEqual([...new Uint8Array(uart.read() as ArrayBuffer)], [9]);
  assert.throws(() => uart.read(new Uint8Array(0)), { message: "invalid" });
  assert.throws(() => uart.read(0), { message: "invalid" });
  uart.close();
});

interface Seen {
  controls: unknown[][];
  errors: unknown[][];
  closes: number;
}

function sdkClient(seen: Seen, probe = new ConnectionProbe()): MQTTClient {
  const transport = mqttsTransport(
    {
      TLSSocket: TLSSocket as unknown as SocketClass,
      TCP: TCP as unknown as SocketClass,
      UDP: UDP as unknown as SocketClass,
      Resolver: Resolver as unknown as ResolverClass,
      dnsServers: ["1.1.1.1"],
    },
    { certificate: new ArrayBuffer(4), clientCertificates: [new ArrayBuffer(4)], clientKey: new ArrayBuffer(4) },
    probe,
  );
  const options = {
    ...transport,
    host: "broker.example",
    port: 8883,
    id: "aqm-t",
    onControl: (...args: unknown[]) => seen.controls.push(args),
    onError: (...args: unknown[]) => seen.errors.push(args),
    onClose: () => seen.closes++,
  };
  return new MQTTClient(options as unknown as ConstructorParameters<typeof MQTTClient>[0]);
}

function handleOf(): number {
  const open = host.requests.find((r) => r.op === "mqtt.open");
  assert.ok(open && open.op === "mqtt.open", "the client opened its connection once the name resolved");
  return open.handle;
}

test("point 7: the MQTT client calls onControl with one argument, onError with none and then closes itself, and never onClose", () => {
  const seen: Seen = { controls: [], errors: [], closes: 0 };
  const client = sdkClient(seen);
  assert.equal(
    host.requests.some((r) => r.op === "mqtt.open"),
    false,
    "nothing is opened inside the constructor: the resolver answers later",
  );
  assert.throws(() => client.write(new ArrayBuffer(1), { topic: "t" }), "no write before CONNACK");
  boardClock.advance(0);
  const handle = handleOf();
  host.queued.push({ kind: "mqtt.control", handle, operation: 2, id: 0 });
  boardClock.advance(1);
  host.queued.push({ kind: "mqtt.control", handle, operation: 9, id: 7, payload: Uint8Array.of(1, 0x80) });
  boardClock.advance(1);
  assert.deepEqual(seen.controls, [[{ operation: 2, returnCode: 0 }], [{ operation: 9, id: 7, payload: [1, 0x80] }]]);
  host.queued.push({ kind: "mqtt.error", handle, code: "closed", message: "reset" }, { kind: "mqtt.close", handle });
  boardClock.advance(1);
  assert.deepEqual(seen.errors, [[]], "onError once, with no argument");
  assert.equal(seen.closes, 0, "onClose is never called");
  assert.throws(() => client.write(new ArrayBuffer(1), { topic: "t" }), TypeError, "the client closed itself");
});

test("point 7: a CONNACK with a non-zero return code is an error after the TLS handshake, not a control message", () => {
  const seen: Seen = { controls: [], errors: [], closes: 0 };
  const probe = new ConnectionProbe();
  sdkClient(seen, probe);
  boardClock.advance(0);
  host.queued.push({ kind: "mqtt.error", handle: handleOf(), code: "not-authorised", message: "CONNACK return code 5" });
  boardClock.advance(1);
  assert.deepEqual(seen.controls, []);
  assert.deepEqual(seen.errors, [[]]);
  assert.deepEqual(probe.stage, { resolved: true, unresolved: false, secured: true });
});

test("issue 20: a TLS refusal reaches the probe as what the SDK's TLS code throws; a handshake cut without an alert does not", () => {
  const refused = new ConnectionProbe();
  sdkClient({ controls: [], errors: [], closes: 0 }, refused);
  boardClock.advance(0);
  host.queued.push({ kind: "mqtt.error", handle: handleOf(), code: "tls-rejected", message: "sslv3 alert bad certificate" });
  boardClock.advance(1);
  assert.deepEqual(refused.stage, { resolved: true, unresolved: false, secured: false, tlsError: "sslv3 alert bad certificate" });

  host.requests.length = 0;
  const cut = new ConnectionProbe();
  const seen: Seen = { controls: [], errors: [], closes: 0 };
  sdkClient(seen, cut);
  boardClock.advance(0);
  host.queued.push({ kind: "mqtt.error", handle: handleOf(), code: "broker-unreachable", message: "ECONNRESET" });
  boardClock.advance(1);
  assert.deepEqual(cut.stage, { resolved: true, unresolved: false, secured: false });
  assert.deepEqual(seen.errors, [[]]);
});

test("a TLS refusal with no guard on the TCP socket throws out of the socket's callback, as it would abort the SDK's VM", () => {
  const options = {
    host: "broker.example",
    port: 8883,
    dns: { io: Resolver, servers: ["1.1.1.1"], socket: { io: UDP } },
    socket: { io: TLSSocket, TCP: { io: TCP }, secure: {} },
    onError: () => {},
  };
  new MQTTClient(options as unknown as ConstructorParameters<typeof MQTTClient>[0]);
  boardClock.advance(0);
  host.queued.push({ kind: "mqtt.error", handle: handleOf(), code: "tls-rejected", message: "tlsv1 alert unknown ca" });
  assert.throws(() => boardClock.advance(1), { name: "TLS", message: "tlsv1 alert unknown ca" });
});
