import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { LocalCa, type IssuedCertificate } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import { startIotCore, until } from "./iot-core-fixture.ts";

// mqtt.js is a client no one here wrote: the local IoT Core's rules must hold for it as for the board.

let fixture: Awaited<ReturnType<typeof startIotCore>>;
const clients: MqttClient[] = [];
before(async () => {
  fixture = await startIotCore();
});
after(async () => {
  await Promise.all(clients.map((client) => client.endAsync(true)));
  await fixture.core.stop();
});

function options(identity: IssuedCertificate, clientId: string): IClientOptions {
  return {
    protocol: "mqtts",
    host: "127.0.0.1",
    port: fixture.port,
    servername: "localhost",
    protocolVersion: 4,
    clientId,
    ca: fixture.ca.certPem,
    cert: identity.certPem,
    key: identity.keyPem,
    rejectUnauthorized: true,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  };
}

async function connectThing(thing: string): Promise<MqttClient> {
  const client = await connectAsync(options(await fixture.ca.issueDeviceCertificate(thing), thing));
  clients.push(client);
  return client;
}

/** How mqtt.js's first connection attempt ends: it emits only `close` when the TLS handshake is dropped. */
function firstOutcome(client: MqttClient): Promise<"connect" | "close" | Error> {
  return new Promise((resolve) => {
    client.once("connect", () => resolve("connect"));
    client.once("error", (error) => resolve(error));
    client.once("close", () => resolve("close"));
  });
}

test("mqtt.js with a certificate from the local CA connects, publishes at QoS 1 and is acknowledged; the core sees the exact bytes", async () => {
  const client = await connectThing("aqm-js");
  const payload = Buffer.from([0x7b, 0x7d, 0x00, 0xff]);
  await client.publishAsync("dt/aqm/aqm-js/telemetry", payload, { qos: 1 });
  const message = fixture.events.find((e) => e.kind === "message" && e.thing === "aqm-js");
  assert.ok(message?.kind === "message", "the core's message event");
  assert.equal(message.topic, "dt/aqm/aqm-js/telemetry");
  assert.equal(message.qos, 1);
  assert.deepEqual(Buffer.from(message.payload), payload);
});

test("mqtt.js may subscribe to its own shadow and receives what it publishes there", async () => {
  const client = await connectThing("aqm-js-shadow");
  const granted = await client.subscribeAsync("$aws/things/aqm-js-shadow/shadow/#", { qos: 1 });
  assert.deepEqual(
    granted.map((g) => [g.topic, g.qos]),
    [["$aws/things/aqm-js-shadow/shadow/#", 1]],
  );
  const received = new Promise<[string, string]>((resolve) => client.once("message", (topic, payload) => resolve([topic, payload.toString()])));
  await client.publishAsync("$aws/things/aqm-js-shadow/shadow/update", '{"state":{}}', { qos: 1 });
  assert.deepEqual(await received, ["$aws/things/aqm-js-shadow/shadow/update", '{"state":{}}']);
});

test("mqtt.js with a client ID other than its certificate's thing is refused with CONNACK 5", async () => {
  const identity = await fixture.ca.issueDeviceCertificate("aqm-js-honest");
  await assert.rejects(
    connectAsync(options(identity, "aqm-js-impostor")),
    (error: Error & { code?: number }) => error.code === 5 && /Not authorized/.test(error.message),
  );
  assert.ok(fixture.events.some((e) => e.kind === "refused" && e.reason === "registry" && /no thing "aqm-js-impostor"/.test(e.detail)));
});

test("mqtt.js with a certificate from another CA, or an expired one, is dropped in the TLS handshake; the core names the reason", async () => {
  const stranger = await (await LocalCa.createEphemeral("another CA")).issueDeviceCertificate("aqm-js-stranger");
  const refused = connect(options(stranger, "aqm-js-stranger"));
  clients.push(refused);
  // Node's TLS server sends no alert, so mqtt.js sees only the connection ending, without an error.
  assert.equal(await firstOutcome(refused), "close");
  await until(
    () => fixture.events.some((e) => e.kind === "refused" && e.reason === "tls" && /UNABLE_TO_VERIFY_LEAF_SIGNATURE/.test(e.detail)),
    "the core's refusal",
  );

  const day = 86_400_000;
  const expired = await fixture.ca.issueDeviceCertificate("aqm-js-expired", {
    notBefore: new Date(Date.now() - 30 * day),
    notAfter: new Date(Date.now() - day),
  });
  const late = connect(options(expired, "aqm-js-expired"));
  clients.push(late);
  assert.equal(await firstOutcome(late), "close");
  await until(
    () => fixture.events.some((e) => e.kind === "refused" && e.reason === "tls" && e.detail === "client certificate refused: CERT_HAS_EXPIRED (expired)"),
    "the core's refusal",
  );
  assert.ok(!fixture.events.some((e) => e.kind === "connected" && (e.thing === "aqm-js-stranger" || e.thing === "aqm-js-expired")));
});

test("mqtt.js publishing to another thing's telemetry is disconnected without a PUBACK, and the message goes nowhere", async () => {
  const client = await connectThing("aqm-js-nosy");
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  let acknowledged = false;
  client.publish("dt/aqm/aqm-js/telemetry", '{"forged":true}', { qos: 1 }, (error) => {
    acknowledged = !error;
  });
  // aedes answers an unauthorised PUBLISH by closing the connection; mqtt.js keeps the message for a reconnect.
  await closed;
  assert.equal(acknowledged, false);
  assert.ok(fixture.events.some((e) => e.kind === "refused" && e.reason === "publish" && e.thing === "aqm-js-nosy"));
  assert.ok(!fixture.events.some((e) => e.kind === "message" && e.thing === "aqm-js-nosy"));
});

test("mqtt.js subscribing across things is disconnected without a SUBACK", async () => {
  const client = await connectThing("aqm-js-wide");
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  let granted = false;
  client.subscribe("cmd/aqm/+/#", { qos: 1 }, (error) => {
    granted = !error;
  });
  await closed;
  assert.equal(granted, false);
  assert.ok(fixture.events.some((e) => e.kind === "refused" && e.reason === "subscribe" && e.thing === "aqm-js-wide"));
});
