import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { ErrorWithSubackPacket, type IClientOptions, type MqttClient } from "mqtt";
import type { IssuedCertificate } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import {
  MAX_CONNECTS_PER_SECOND_PER_CLIENT_ID,
  MAX_FILTERS_PER_SUBSCRIBE,
  MAX_MESSAGE_BYTES,
  MAX_PUBLISHES_PER_SECOND,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
} from "../../../../host-tools/local-cloud/iot-core/IotCoreLimits.ts";
import { telemetryTopic } from "../../../../firmware/session/MqttTopics.ts";
import { connectMqttJsAs, lakeObjects, startIotCore, until } from "./iot-core-fixture.ts";
import { connectPacket, connectRaw, rawPublish, remainingLength } from "./raw-mqtt-client.ts";

const run = promisify(execFile);

let fixture: Awaited<ReturnType<typeof startIotCore>>;
let dir: string;
let lake: string;
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "aqm-limits-"));
  lake = path.join(dir, "lake");
  fixture = await startIotCore({ lake: { dir: lake, bufferMs: 100 } });
  writeFileSync(path.join(dir, "ca.pem"), fixture.ca.certPem);
});
after(async () => {
  await fixture.core.stop();
  rmSync(dir, { recursive: true, force: true });
});

const refusals = (thingOrReason: string) => fixture.events.filter((e) => e.kind === "refused" && (e.reason === thingOrReason || e.thing === thingOrReason));

function tlsFiles(name: string, identity: IssuedCertificate, caFile = path.join(dir, "ca.pem")): string[] {
  writeFileSync(path.join(dir, `${name}.cert.pem`), identity.certPem);
  writeFileSync(path.join(dir, `${name}.key.pem`), identity.keyPem, { mode: 0o600 });
  return ["--cafile", caFile, "--cert", path.join(dir, `${name}.cert.pem`), "--key", path.join(dir, `${name}.key.pem`)];
}

async function mosquitto(tool: "mosquitto_pub" | "mosquitto_sub", args: string[], port = fixture.port): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(tool, ["-h", "localhost", "-p", String(port), ...args], { timeout: 15_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

async function mqttJs(identity: IssuedCertificate, thing: string, extra: Partial<IClientOptions> = {}) {
  return connectMqttJsAs(fixture.port, fixture.ca.certPem, identity, thing, extra);
}

const reading = (thing: string, seq: number, extra: Record<string, unknown> = {}) => JSON.stringify({ v: 2, thing, boot: 1, seq, ts: Date.now(), ...extra });

// The timeout is below aedes's 30 s CONNECT timeout, so a connection that closed only then fails the test.
test("a CONNECT announcing 256 MB is dropped as soon as its length is read, long before the 30 s CONNECT timeout", { timeout: 10_000 }, async () => {
  const identity = await fixture.ca.issueDeviceCertificate("aqm-big-connect");
  const client = await connectRaw(fixture.port, fixture.ca, identity);
  client.write(new Uint8Array([0x10, ...remainingLength(256 * 1024 * 1024 - 1)]));
  await client.closed;
  // Refused by the packet guard, which reports before it drops the socket; a CONNECT timeout reports nothing.
  assert.deepEqual(client.received, [], "no CONNACK");
  assert.deepEqual(
    refusals("too-large").map((e) => e.kind === "refused" && e.detail),
    [`CONNECT announcing ${256 * 1024 * 1024 - 1} bytes is larger than AWS IoT Core's 128 KB limit; refused before it was read`],
  );
});

// The timeout is below the 90 s the broker would wait on the client's 60 s keep-alive for the announced bytes.
test(
  "a PUBLISH announcing 256 MB is dropped at its header; one of 128 KB + 1 byte of payload is refused, one of 128 KB acknowledged (mosquitto_pub)",
  { timeout: 30_000 },
  async () => {
    const thing = "aqm-big-publish";
    const identity = await fixture.ca.issueDeviceCertificate(thing);
    const client = await connectRaw(fixture.port, fixture.ca, identity);
    client.write(connectPacket(thing));
    await until(() => client.received.some((p) => p.cmd === "connack"), "CONNACK");
    client.write(new Uint8Array([0x32, ...remainingLength(256 * 1024 * 1024 - 1)]));
    await client.closed;
    assert.deepEqual(
      client.received.map((p) => p.cmd),
      ["connack"],
      "nothing after the CONNACK: the PUBLISH was never read",
    );
    assert.ok(refusals(thing).some((e) => e.kind === "refused" && e.reason === "too-large" && /PUBLISH announcing 268435455 bytes/.test(e.detail)));

    const tls = tlsFiles(thing, identity);
    const over = path.join(dir, "over.bin");
    fixture.nextSecond();
    writeFileSync(over, Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x61));
    const refused = await mosquitto("mosquitto_pub", [...tls, "-i", thing, "-q", "1", "-t", `dt/aqm/${thing}/blob`, "-f", over]);
    assert.notEqual(refused.code, 0, refused.output);
    await until(
      () =>
        refusals(thing).some(
          (e) => e.kind === "refused" && e.detail === `PUBLISH payload of ${MAX_MESSAGE_BYTES + 1} bytes is larger than AWS IoT Core's 128 KB limit`,
        ),
      "the payload refusal",
    );

    const limit = path.join(dir, "limit.bin");
    writeFileSync(limit, Buffer.alloc(MAX_MESSAGE_BYTES, 0x61));
    fixture.nextSecond();
    const accepted = await mosquitto("mosquitto_pub", [...tls, "-i", thing, "-q", "1", "-t", `dt/aqm/${thing}/blob`, "-f", limit]);
    assert.equal(accepted.code, 0, accepted.output);
    await until(() => fixture.events.some((e) => e.kind === "message" && e.thing === thing && e.payload.length === MAX_MESSAGE_BYTES), "the 128 KB message");
  },
);

test("a 1.1 MB valid reading is refused and never reaches the lake", async () => {
  const thing = "aqm-huge-reading";
  const client = await mqttJs(await fixture.ca.issueDeviceCertificate(thing), thing);
  client.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  void client.publishAsync(telemetryTopic(thing), reading(thing, 1, { pad: "x".repeat(1_100_000) }), { qos: 1 }).catch(() => undefined);
  await closed;
  await client.endAsync(true);
  assert.ok(refusals(thing).some((e) => e.kind === "refused" && e.reason === "too-large"));
  assert.ok(!fixture.events.some((e) => (e.kind === "message" || e.kind === "delivered") && e.thing === thing));
});

test("topics: 257 bytes and 8 slashes are refused (mqtt.js); invalid UTF-8 and NUL are malformed (raw bytes); 256 bytes and 7 slashes pass the limits", async () => {
  const thing = "aqm-topics";
  const identity = await fixture.ca.issueDeviceCertificate(thing);
  const prefix = `dt/aqm/${thing}/`;
  const cases = [
    { topic: prefix + "x".repeat(257 - prefix.length), detail: /topic of 257 bytes is longer than AWS IoT Core's 256-byte limit/ },
    { topic: `${prefix}a/b/c/d/e/f`, detail: /has 8 slashes; AWS IoT Core allows at most 7/ },
  ];
  for (const { topic, detail } of cases) {
    fixture.nextSecond();
    const client = await mqttJs(identity, thing);
    client.on("error", () => undefined);
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    void client.publishAsync(topic, "{}", { qos: 1 }).catch(() => undefined);
    await closed;
    await client.endAsync(true);
    await until(() => refusals(thing).some((e) => e.kind === "refused" && e.reason === "malformed" && detail.test(e.detail)), String(detail));
  }
  for (const [bytes, detail] of [
    [new Uint8Array([...Buffer.from(prefix), 0xc3, 0x28]), "PUBLISH topic is not well-formed UTF-8 (MQTT 3.1.1 §1.5.3: malformed)"],
    [new Uint8Array([...Buffer.from(prefix), 0x00, 0x61]), "PUBLISH topic holds a NUL character (MQTT 3.1.1 §1.5.3: malformed)"],
  ] as const) {
    fixture.nextSecond();
    const client = await connectRaw(fixture.port, fixture.ca, identity);
    client.write(connectPacket(thing));
    await until(() => client.received.some((p) => p.cmd === "connack"), "CONNACK");
    client.write(rawPublish(bytes, Buffer.from("{}")));
    await client.closed;
    assert.ok(!client.received.some((p) => p.cmd === "puback"), "no PUBACK");
    assert.ok(
      refusals(thing).some((e) => e.kind === "refused" && e.detail === detail),
      detail,
    );
  }
  // At the limits: allowed by the limits, then refused (or not) by the policy only.
  fixture.nextSecond();
  const client = await mqttJs(identity, thing);
  await client.publishAsync(prefix + "x".repeat(256 - prefix.length), "{}", { qos: 1 });
  await client.publishAsync(`${prefix}a/b/c/d/e`, "{}", { qos: 1 });
  await client.endAsync();
});

test("QoS 2: mosquitto_pub -q 2 gets no PUBREC and nothing reaches the lake; mosquitto_sub -q 2 gets no SUBACK", async () => {
  const thing = "aqm-qos2";
  const tls = tlsFiles(thing, await fixture.ca.issueDeviceCertificate(thing));
  const published = await mosquitto("mosquitto_pub", [...tls, "-i", thing, "-q", "2", "-t", telemetryTopic(thing), "-m", reading(thing, 1)]);
  assert.notEqual(published.code, 0, published.output);
  fixture.nextSecond();
  const subscribed = await mosquitto("mosquitto_sub", [...tls, "-i", thing, "-q", "2", "-E", "-t", `cmd/aqm/${thing}/reboot`]);
  assert.notEqual(subscribed.code, 0, subscribed.output);
  assert.deepEqual(
    refusals(thing).map((e) => e.kind === "refused" && e.reason),
    ["qos-2", "qos-2"],
  );
  assert.ok(!fixture.events.some((e) => (e.kind === "message" || e.kind === "delivered") && e.thing === thing));
});

test("retain: mosquitto_pub -r is refused and a retained will refuses the CONNECT (mqtt.js), as the policy grants no iot:RetainPublish", async () => {
  const thing = "aqm-retain";
  const identity = await fixture.ca.issueDeviceCertificate(thing);
  const published = await mosquitto("mosquitto_pub", [...tlsFiles(thing, identity), "-i", thing, "-q", "1", "-r", "-t", `dt/aqm/${thing}/status`, "-m", "{}"]);
  assert.notEqual(published.code, 0, published.output);
  await until(
    () =>
      refusals(thing).some(
        (e) => e.kind === "refused" && /^retained PUBLISH: iot:RetainPublish on topic\/dt\/aqm\/aqm-retain\/status is not allowed/.test(e.detail),
      ),
    "retain refusal",
  );
  fixture.nextSecond();
  await assert.rejects(
    mqttJs(identity, thing, { will: { topic: `dt/aqm/${thing}/status`, payload: Buffer.from("gone"), qos: 1, retain: true } }),
    (error: Error & { code?: number }) => error.code === 5,
  );
  assert.ok(refusals(thing).some((e) => e.kind === "refused" && /^will: retained PUBLISH: iot:RetainPublish/.test(e.detail)));
  // The same will without retain is a will the policy allows.
  fixture.nextSecond();
  const client = await mqttJs(identity, thing, { will: { topic: `dt/aqm/${thing}/status`, payload: Buffer.from("gone"), qos: 1, retain: false } });
  await client.endAsync();
});

test("SNI is required: openssl s_client without a server name is dropped, with a name it reaches MQTT", async () => {
  const thing = "aqm-no-sni";
  const tls = tlsFiles(thing, await fixture.ca.issueDeviceCertificate(thing)).map((arg) =>
    arg
      .replace(/^--cafile$/, "-CAfile")
      .replace(/^--cert$/, "-cert")
      .replace(/^--key$/, "-key"),
  );
  const sClient = (sni: string[]) =>
    new Promise<string>((resolve) => {
      const child = spawn("openssl", ["s_client", "-connect", `127.0.0.1:${fixture.port}`, ...sni, ...tls, "-quiet"], { stdio: ["pipe", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      // A CONNECT, so a connection that is kept gets its CONNACK.
      child.stdin.write(connectPacket(thing));
      const timer = setTimeout(() => child.kill(), 3000);
      child.on("close", () => {
        clearTimeout(timer);
        resolve(output);
      });
    });
  const before = refusals("sni").length;
  await sClient(["-noservername"]);
  await until(() => refusals("sni").length === before + 1, "the SNI refusal");
  await sClient(["-servername", "localhost"]);
  await until(() => fixture.events.some((e) => e.kind === "connected" && e.thing === thing), "the connection with SNI");
  assert.equal(refusals("sni").length, before + 1);
});

test("keep-alive: 5 s is held to 30 s (mosquitto_sub -k 5), 0 and 3600 s to 1200 s (mqtt.js)", async () => {
  const thing = "aqm-keepalive";
  const identity = await fixture.ca.issueDeviceCertificate(thing);
  const keepAlives = () => fixture.events.flatMap((e) => (e.kind === "connected" && e.thing === thing ? [e.keepAliveS] : []));
  await mosquitto("mosquitto_sub", [...tlsFiles(thing, identity), "-i", thing, "-q", "1", "-k", "5", "-E", "-t", `cmd/aqm/${thing}/reboot`]);
  for (const keepalive of [0, 3600]) {
    fixture.nextSecond();
    await (await mqttJs(identity, thing, { keepalive })).endAsync();
  }
  assert.deepEqual(keepAlives(), [30, 1200, 1200]);
});

test("a JSON reading nested 6,000 deep is acknowledged and kept: its error record is under errors/ with the reason", async () => {
  const thing = "aqm-deep";
  const client = await mqttJs(await fixture.ca.issueDeviceCertificate(thing), thing);
  const deep = "[".repeat(6000) + "]".repeat(6000);
  await client.publishAsync(telemetryTopic(thing), `{"v":2,"thing":"${thing}","boot":1,"seq":1,"deep":${deep}}`, { qos: 1 });
  await client.endAsync();
  await until(() => fixture.events.some((e) => e.kind === "undelivered" && e.thing === thing), "the undelivered event");
  const event = fixture.events.find((e) => e.kind === "undelivered" && e.thing === thing);
  assert.ok(event?.kind === "undelivered" && event.recorded, JSON.stringify(event));
  const records = lakeObjects(lake, "errors/").flatMap((object) =>
    object.lines.map((line) => JSON.parse(line) as { clientId: string; failures: { errorMessage: string }[] }),
  );
  const record = records.find((r) => r.clientId === thing);
  assert.match(record?.failures[0]?.errorMessage ?? "", /nested too deeply to evaluate/);
});

test("a TLS client that completes its handshake and closes before CONNECT is reported as that, not as a refusal", async () => {
  const thing = "aqm-probe";
  const client = await connectRaw(fixture.port, fixture.ca, await fixture.ca.issueDeviceCertificate(thing));
  const refusedBefore = refusals("tls").length;
  const closedBefore = fixture.events.filter((e) => e.kind === "closed-before-connect").length;
  client.destroy();
  await until(() => fixture.events.filter((e) => e.kind === "closed-before-connect").length === closedBefore + 1, "closed-before-connect");
  assert.equal(refusals("tls").length, refusedBefore);
});

test(`filters per SUBSCRIBE: mosquitto_sub with ${MAX_FILTERS_PER_SUBSCRIBE} topics is granted, with ${MAX_FILTERS_PER_SUBSCRIBE + 1} it is disconnected before any is granted`, async () => {
  const thing = "aqm-filters";
  const tls = tlsFiles(thing, await fixture.ca.issueDeviceCertificate(thing));
  const topics = (n: number) => Array.from({ length: n }, (_, i) => ["-t", `cmd/aqm/${thing}/f${i}`]).flat();
  const granted = await mosquitto("mosquitto_sub", [...tls, "-i", thing, "-q", "1", "-E", "-d", ...topics(MAX_FILTERS_PER_SUBSCRIBE)]);
  assert.equal(granted.code, 0, granted.output);
  assert.match(granted.output, /Client aqm-filters received SUBACK/);
  assert.equal(refusals("too-many-filters").length, 0);
  fixture.nextSecond();
  const refused = await mosquitto("mosquitto_sub", [...tls, "-i", thing, "-q", "1", "-E", "-d", "-W", "2", ...topics(MAX_FILTERS_PER_SUBSCRIBE + 1)]);
  assert.notEqual(refused.code, 0, refused.output);
  assert.doesNotMatch(refused.output, /received SUBACK/);
  const refusal = refusals(thing).find((e) => e.kind === "refused" && e.reason === "too-many-filters");
  assert.ok(refusal?.kind === "refused");
  assert.match(refusal.detail, /^SUBSCRIBE with more than 8 topic filters: AWS IoT Core takes at most 8 in one request$/);
});

/** The return codes of the SUBACK for `filters`: mqtt.js rejects a SUBACK holding a failure, with the packet. */
async function grantedCodes(client: MqttClient, filters: string | string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (error) {
    if (!(error instanceof ErrorWithSubackPacket)) throw error;
    return error.packet.granted.map((code) => (typeof code === "number" ? code : Number.NaN));
  }
}

test(`subscriptions per connection: past ${MAX_SUBSCRIPTIONS_PER_CONNECTION}, mqtt.js gets 0x80 in the SUBACK and keeps its connection; one unsubscribed makes room`, async () => {
  const thing = "aqm-many-subscriptions";
  const client = await mqttJs(await fixture.ca.issueDeviceCertificate(thing), thing);
  const filters = Array.from({ length: MAX_SUBSCRIPTIONS_PER_CONNECTION + 6 }, (_, i) => `cmd/aqm/${thing}/s${i}`);
  const grants: number[] = [];
  for (let i = 0; i < filters.length; i += MAX_FILTERS_PER_SUBSCRIBE) {
    grants.push(...(await grantedCodes(client, filters.slice(i, i + MAX_FILTERS_PER_SUBSCRIBE))));
  }
  assert.deepEqual(grants, [...Array<number>(MAX_SUBSCRIPTIONS_PER_CONNECTION).fill(1), ...Array<number>(6).fill(0x80)]);
  assert.equal(refusals(thing).filter((e) => e.kind === "refused" && e.reason === "subscription-quota").length, 6);
  assert.deepEqual(await grantedCodes(client, filters[0]!), [1], "a filter the connection already holds is not a new subscription");
  await client.unsubscribeAsync(filters[0]!);
  assert.deepEqual(await grantedCodes(client, filters[MAX_SUBSCRIPTIONS_PER_CONNECTION]!), [1]);
  assert.deepEqual(await grantedCodes(client, filters[0]!), [0x80]);
  await client.publishAsync(telemetryTopic(thing), reading(thing, 1), { qos: 1 });
  assert.ok(client.connected);
  await client.endAsync();
});

test(`publishes per second: in one held instant mqtt.js gets ${MAX_PUBLISHES_PER_SECOND} PUBACKs, the next PUBLISH is discarded unacknowledged, and a second later one is acknowledged`, async () => {
  let clock = 1_000_000;
  const held = await startIotCore({ now: () => clock });
  try {
    const thing = "aqm-publish-rate";
    const client = await connectMqttJsAs(held.port, held.ca.certPem, await held.ca.issueDeviceCertificate(thing), thing);
    await Promise.all(
      Array.from({ length: MAX_PUBLISHES_PER_SECOND }, (_, i) => client.publishAsync(telemetryTopic(thing), reading(thing, i + 1), { qos: 1 })),
    );
    const late = client.publishAsync(telemetryTopic(thing), reading(thing, 101), { qos: 1 }).then(
      () => "acknowledged",
      (error: Error) => error.message,
    );
    await until(() => held.events.some((e) => e.kind === "refused" && e.reason === "publish-quota"), "the publish-quota refusal");
    clock += 1000;
    await client.publishAsync(telemetryTopic(thing), reading(thing, 102), { qos: 1 });
    const seqs = held.events.flatMap((e) =>
      e.kind === "message" && e.thing === thing ? [(JSON.parse(Buffer.from(e.payload).toString()) as { seq: number }).seq] : [],
    );
    assert.equal(seqs.length, MAX_PUBLISHES_PER_SECOND + 1);
    assert.ok(!seqs.includes(101) && seqs.includes(102));
    const refusal = held.events.find((e) => e.kind === "refused" && e.reason === "publish-quota");
    assert.ok(refusal?.kind === "refused" && refusal.thing === thing);
    assert.ok(client.connected);
    await client.endAsync(true);
    assert.equal(await late, "Connection closed", "the discarded PUBLISH got no PUBACK before the client closed");
  } finally {
    await held.core.stop();
  }
});

test(`connects per client ID: a second CONNECT within a second is closed without a CONNACK (mosquitto_sub), another client ID is not held up, and a second later it connects`, async () => {
  let clock = 2_000_000;
  const held = await startIotCore({ now: () => clock });
  const heldCa = path.join(dir, "held-ca.pem");
  writeFileSync(heldCa, held.ca.certPem);
  const connect = async (thing: string) =>
    mosquitto(
      "mosquitto_sub",
      [...tlsFiles(thing, await held.ca.issueDeviceCertificate(thing), heldCa), "-i", thing, "-q", "1", "-E", "-d", "-t", `cmd/aqm/${thing}/reboot`],
      held.port,
    );
  try {
    const thing = "aqm-reconnects";
    const first = await connect(thing);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /received CONNACK \(0\)/);
    const again = await connect(thing);
    assert.notEqual(again.code, 0, again.output);
    assert.doesNotMatch(again.output, /received CONNACK/, "closed, not answered");
    const other = await connect("aqm-reconnects-other");
    assert.equal(other.code, 0, `another client ID in the same instant: ${other.output}`);
    const refusals = held.events.filter((e) => e.kind === "refused" && e.reason === "connect-quota");
    assert.deepEqual(
      refusals.map((e) => e.kind === "refused" && e.detail),
      [
        `client ID "${thing}" connected less than a second ago: AWS IoT Core takes ${MAX_CONNECTS_PER_SECOND_PER_CLIENT_ID} CONNECT per second for one client ID`,
      ],
    );
    clock += 999;
    assert.notEqual((await connect(thing)).code, 0, "999 ms on: still within the second");
    clock += 1;
    const later = await connect(thing);
    assert.equal(later.code, 0, `a second after the first, 1 ms after a refused one, which does not start the second again: ${later.output}`);
  } finally {
    await held.core.stop();
  }
});
