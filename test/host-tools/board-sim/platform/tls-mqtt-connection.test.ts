import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { after, before, test } from "node:test";
import mqttPacket, { type Packet } from "mqtt-packet";
import { LocalCa } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import type { MqttOpenOptions } from "../../../../host-tools/board-sim/platform/portable/HostPort.ts";
import { TlsMqttConnection } from "../../../../host-tools/board-sim/platform/TlsMqttConnection.ts";
import { recorder, until, type Recorded } from "../../local-cloud/iot-core/iot-core-fixture.ts";
import { MqttOperation } from "../../../../host-tools/board-sim/platform/portable/HostPort.ts";

const { CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK, DISCONNECT } = MqttOperation;

/** Gives a failure time to be reported a second time, were it ever to be. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

let ca: LocalCa;
let serverIdentity: { certPem: string; keyPem: string };
const servers: net.Server[] = [];
before(async () => {
  ca = await LocalCa.createEphemeral("test CA");
  serverIdentity = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
});
after(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

interface ScriptedBroker {
  readonly port: number;
  /** Every packet the board sent, in order. */
  readonly received: Packet[];
}

type Script = (packet: Packet, send: (packet: Packet) => void, socket: tls.TLSSocket) => void;

/** Answers CONNECT with CONNACK 0; anything else is up to the script. */
function acceptAll(packet: Packet, send: (packet: Packet) => void): void {
  if (packet.cmd === "connect") send({ cmd: "connack", returnCode: 0, sessionPresent: false });
}

/** A TLS server speaking MQTT 3.1.1 as the script says: a broker whose every answer the test chooses. */
async function scriptedBroker(script: Script = acceptAll, identity = serverIdentity): Promise<ScriptedBroker> {
  const received: Packet[] = [];
  const server = tls.createServer({ key: identity.keyPem, cert: identity.certPem }, (socket) => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const send = (packet: Packet) => socket.write(mqttPacket.generate(packet));
    parser.on("packet", (packet: Packet) => {
      received.push(packet);
      script(packet, send, socket);
    });
    socket.on("data", (chunk: Buffer) => parser.parse(chunk));
    socket.on("error", () => socket.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as net.AddressInfo).port, received };
}

/** A TCP server that answers the ClientHello with a plaintext fatal TLS alert, as OpenSSL brokers refuse a certificate. */
async function alertingServer(description: number): Promise<number> {
  const server = net.createServer((socket) => socket.once("data", () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description]))));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

function connect(port: number, recorded: Recorded, overrides: Partial<MqttOpenOptions> = {}, address = "127.0.0.1"): TlsMqttConnection {
  return new TlsMqttConnection({ host: "localhost", port, id: "aqm-test", clean: true, keepAlive: 60_000, ca: ca.certDer, ...overrides }, recorded.events, {
    address,
  });
}

async function connected(port: number, overrides: Partial<MqttOpenOptions> = {}): Promise<{ board: Recorded; connection: TlsMqttConnection }> {
  const board = recorder();
  const connection = connect(port, board, overrides);
  await until(() => board.controls.some((c) => c.operation === CONNACK), "CONNACK");
  return { board, connection };
}

async function failure(board: Recorded): Promise<{ code: string; message: string }> {
  await until(() => board.closes > 0, "the failure");
  await settle();
  assert.equal(board.errors.length, 1, `one error, not ${JSON.stringify(board.errors)}`);
  assert.equal(board.closes, 1, "one close");
  return board.errors[0]!;
}

test("CONNECT carries the client ID, clean session and keep-alive in seconds, and goes before anything written during the handshake", async () => {
  const broker = await scriptedBroker();
  const board = recorder();
  const connection = connect(broker.port, board, { id: "aqm-first", keepAlive: 90_000 });
  connection.write(new TextEncoder().encode("early"), { operation: PUBLISH, topic: "dt/aqm/aqm-first/telemetry", QoS: 0 });
  await until(() => broker.received.length === 2, "two packets");
  const [first, second] = broker.received;
  assert.ok(first?.cmd === "connect");
  assert.equal(first.clientId, "aqm-first");
  assert.equal(first.protocolVersion, 4);
  assert.equal(first.clean, true);
  assert.equal(first.keepalive, 90);
  assert.ok(second?.cmd === "publish");
  assert.equal(second.topic, "dt/aqm/aqm-first/telemetry");
  connection.close();
});

test("once connected, PINGREQ goes within every keep-alive interval; a broker that answers each keeps the session past 1.5 intervals", async () => {
  const broker = await scriptedBroker((packet, send) => {
    acceptAll(packet, send);
    if (packet.cmd === "pingreq") send({ cmd: "pingresp" });
  });
  const { board, connection } = await connected(broker.port, { keepAlive: 150 });
  await until(() => broker.received.filter((p) => p.cmd === "pingreq").length >= 6, "six PINGREQs", 5000);
  assert.deepEqual(board.errors, []);
  assert.equal(board.closes, 0);
  connection.close();
});

test("a broker that stops answering PINGREQ (a half-open connection) ends the session with a time out, as the SDK's client does", async () => {
  const broker = await scriptedBroker();
  const { board } = await connected(broker.port, { keepAlive: 150 });
  assert.deepEqual(await failure(board), {
    code: "closed",
    message: "no PINGRESP from the broker at localhost:" + broker.port + " for 1.5 keep-alive intervals (225 ms): time out",
  });
  assert.ok(
    broker.received.some((p) => p.cmd === "pingreq"),
    "it asked before giving up",
  );
});

test("PUBLISH at QoS 1 carries the board's packet id and duplicate flag; its PUBACK comes back as control 4 with that id", async () => {
  const broker = await scriptedBroker((packet, send) => {
    acceptAll(packet, send);
    if (packet.cmd === "publish" && packet.qos === 1) send({ cmd: "puback", messageId: packet.messageId! });
  });
  const { board, connection } = await connected(broker.port);
  connection.write(Uint8Array.from([0, 1, 2, 255]), { operation: PUBLISH, topic: "dt/aqm/aqm-test/telemetry", QoS: 1, id: 513, duplicate: true });
  await until(() => board.controls.some((c) => c.operation === PUBACK), "PUBACK");
  const publish = broker.received.find((p) => p.cmd === "publish");
  assert.ok(publish?.cmd === "publish");
  assert.equal(publish.messageId, 513);
  assert.equal(publish.dup, true);
  assert.equal(publish.qos, 1);
  assert.deepEqual([...(publish.payload as Buffer)], [0, 1, 2, 255]);
  assert.deepEqual(board.controls, [
    { operation: CONNACK, id: 0 },
    { operation: PUBACK, id: 513 },
  ]);
  connection.close();
});

test("SUBSCRIBE sends the filters with their QoS; SUBACK comes back as control 9 with one granted byte per filter", async () => {
  const broker = await scriptedBroker((packet, send) => {
    acceptAll(packet, send);
    if (packet.cmd === "subscribe") send({ cmd: "suback", messageId: packet.messageId!, granted: [1, 0x80] });
  });
  const { board, connection } = await connected(broker.port);
  connection.write(new Uint8Array(0), {
    operation: SUBSCRIBE,
    id: 9,
    items: [
      { topic: "cmd/aqm/aqm-test/#", QoS: 1 },
      { topic: "cmd/aqm/other/#", QoS: 0 },
    ],
  });
  await until(() => board.controls.some((c) => c.operation === SUBACK), "SUBACK");
  const subscribe = broker.received.find((p) => p.cmd === "subscribe");
  assert.ok(subscribe?.cmd === "subscribe");
  assert.deepEqual(
    subscribe.subscriptions.map((s) => [s.topic, s.qos]),
    [
      ["cmd/aqm/aqm-test/#", 1],
      ["cmd/aqm/other/#", 0],
    ],
  );
  assert.deepEqual(board.controls.at(-1), { operation: SUBACK, id: 9, payload: [1, 0x80] });
  connection.close();
});

test("an incoming QoS 1 PUBLISH reaches onMessage, and the client acknowledges it itself", async () => {
  const broker = await scriptedBroker((packet, send) => {
    acceptAll(packet, send);
    if (packet.cmd === "connect")
      send({ cmd: "publish", topic: "cmd/aqm/aqm-test/reboot", payload: Buffer.from('{"now":true}'), qos: 1, messageId: 42, retain: false, dup: false });
  });
  const { board, connection } = await connected(broker.port);
  await until(() => board.messages.length === 1, "the message");
  assert.deepEqual(board.messages, [{ topic: "cmd/aqm/aqm-test/reboot", payload: '{"now":true}' }]);
  await until(() => broker.received.some((p) => p.cmd === "puback"), "the client's PUBACK");
  assert.equal(broker.received.find((p) => p.cmd === "puback")?.messageId, 42);
  connection.close();
});

test("DISCONNECT is written as the board asks; a close() by the board itself reports nothing", async () => {
  const broker = await scriptedBroker();
  const { board, connection } = await connected(broker.port);
  connection.write(new Uint8Array(0), { operation: DISCONNECT });
  await until(() => broker.received.some((p) => p.cmd === "disconnect"), "DISCONNECT");
  connection.close();
  await settle();
  assert.deepEqual(board.errors, []);
  assert.equal(board.closes, 0);
});

test("write refuses what the device API would: QoS 2, QoS 1 without a packet id, an operation a client never writes, and anything after close", async () => {
  const broker = await scriptedBroker();
  const { connection } = await connected(broker.port);
  const data = new Uint8Array(0);
  assert.throws(() => connection.write(data, { operation: PUBLISH, topic: "dt/aqm/aqm-test/x", QoS: 2, id: 1 }), /QoS 2 is not supported/);
  assert.throws(
    () => connection.write(data, { operation: PUBLISH, topic: "dt/aqm/aqm-test/x", QoS: 1 }),
    /PUBLISH to dt\/aqm\/aqm-test\/x at QoS 1 needs a packet id from 1 to 65535, not undefined/,
  );
  assert.throws(() => connection.write(data, { operation: SUBSCRIBE, id: 1, items: [] }), /SUBSCRIBE needs at least one topic filter/);
  assert.throws(() => connection.write(data, { operation: 12 }), /MQTT operation 12 is not one a client writes/);
  connection.close();
  assert.throws(() => connection.write(data, { operation: DISCONNECT }), /MQTT connection to localhost:\d+ is closed/);
});

test("a CONNACK refusal names the return code: 4 and 5 are not-authorised, 3 is broker-unreachable", async () => {
  for (const [returnCode, code] of [
    [5, "not-authorised"],
    [4, "not-authorised"],
    [3, "broker-unreachable"],
  ] as const) {
    const broker = await scriptedBroker((packet, send) => {
      if (packet.cmd === "connect") send({ cmd: "connack", returnCode, sessionPresent: false });
    });
    const board = recorder();
    connect(broker.port, board);
    const error = await failure(board);
    assert.equal(error.code, code);
    assert.match(error.message, new RegExp(`CONNACK return code ${returnCode}`));
  }
});

test("a malformed packet from the broker is a protocol failure, reported once", async () => {
  const broker = await scriptedBroker((packet, send, socket) => {
    acceptAll(packet, send);
    socket.write(Buffer.from([0x00, 0x00]));
  });
  const board = recorder();
  connect(broker.port, board);
  const error = await failure(board);
  assert.equal(error.code, "protocol");
  assert.match(error.message, /malformed packet from the broker at localhost:\d+/);
});

test("the broker closing an established session is closed; closing before CONNACK is broker-unreachable", async () => {
  const hangsUp = await scriptedBroker((packet, send, socket) => {
    acceptAll(packet, send);
    socket.end();
  });
  const online = recorder();
  connect(hangsUp.port, online);
  assert.equal((await failure(online)).code, "closed");
  assert.deepEqual(online.controls, [{ operation: CONNACK, id: 0 }]);

  const silent = await scriptedBroker((_packet, _send, socket) => socket.end());
  const opening = recorder();
  connect(silent.port, opening);
  const error = await failure(opening);
  assert.equal(error.code, "broker-unreachable");
  assert.match(error.message, /before CONNACK/);
});

test("a TLS alert from the broker is tls-rejected, with OpenSSL's reason in the message", async () => {
  for (const [description, reason] of [
    [45, "sslv3 alert certificate expired"],
    [48, "tlsv1 alert unknown ca"],
    [42, "sslv3 alert bad certificate"],
  ] as const) {
    const board = recorder();
    connect(await alertingServer(description), board);
    const error = await failure(board);
    assert.equal(error.code, "tls-rejected");
    // Node reports the alert as EPROTO when it arrives while CONNECT waits to be written, as ERR_SSL_… otherwise.
    assert.match(
      error.message,
      new RegExp(`^the broker refused the TLS handshake with localhost:\\d+: ${reason} \\(SSL alert number ${description}; (EPROTO|ERR_SSL_\\w+)\\)$`),
    );
  }
});

test("a board that does not trust the broker's certificate (another CA, or another host name) is tls-rejected and says so", async () => {
  const stranger = await (
    await LocalCa.createEphemeral("a CA the board does not know")
  ).issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
  const untrusted = await scriptedBroker(acceptAll, stranger);
  const board = recorder();
  connect(untrusted.port, board);
  const error = await failure(board);
  assert.equal(error.code, "tls-rejected");
  assert.match(error.message, /this board does not trust the certificate of the broker at localhost:\d+: .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);

  const elsewhere = await scriptedBroker();
  const misnamed = recorder();
  connect(elsewhere.port, misnamed, { host: "aqm.example" });
  const wrongName = await failure(misnamed);
  assert.equal(wrongName.code, "tls-rejected");
  assert.match(
    wrongName.message,
    /does not trust the certificate of the broker at aqm\.example:\d+: Hostname\/IP does not match .*\(ERR_TLS_CERT_ALTNAME_INVALID\)/,
  );
});

test("a closed port is broker-unreachable; a name that does not resolve is network-down", async () => {
  const closed = recorder();
  connect(1, closed);
  const refused = await failure(closed);
  assert.equal(refused.code, "broker-unreachable");
  assert.match(refused.message, /cannot reach the broker at localhost:1: .*ECONNREFUSED/);

  const unresolved = recorder();
  connect(8883, unresolved, {}, "aqm-broker.invalid");
  const lookup = await failure(unresolved);
  assert.equal(lookup.code, "network-down");
  assert.match(lookup.message, /ENOTFOUND|EAI_AGAIN/);
});

test("an unknown TLS protocolVersion is refused before connecting", () => {
  assert.throws(() => connect(1, recorder(), { protocolVersion: 0x302 }), /TLS protocolVersion 0x302 is not supported \(0x303 = TLS 1\.2, 0x304 = TLS 1\.3\)/);
});

test("a connection reset or closed in the middle of the TLS handshake, with no TLS alert, is broker-unreachable, never tls-rejected", async () => {
  for (const cut of ["reset", "close"] as const) {
    // A listener that takes the ClientHello and then drops the connection, as a broker whose listen queue overflowed does.
    const server = net.createServer((socket) => socket.once("data", () => (cut === "reset" ? socket.resetAndDestroy() : socket.end())));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const board = recorder();
    connect((server.address() as net.AddressInfo).port, board);
    const error = await failure(board);
    assert.equal(error.code, "broker-unreachable", `${cut}: ${error.message}`);
    assert.match(error.message, /cut during the TLS handshake with no TLS alert/);
  }
});
