/**
 * npm run bench:broker [-- --boards N --messages M --window W --buffer-ms B] — the local IoT
 * Core as the twin runs it (policy, the cloud's telemetry rule, the local Firehose into a lake)
 * under load from N simulated boards over mutual TLS, next to Debian's mosquitto broker (the same
 * TLS settings: client certificates required, TLS 1.2) measured in the same run on the same
 * machine. Prints figures; asserts nothing.
 *
 * Each board is an mqtt.js client with its own certificate that publishes M telemetry-sized
 * messages at QoS 1, keeping at most W unacknowledged and at most 90 in any second, as the
 * firmware's session paces itself under AWS IoT Core's 100 per connection, which the local core
 * enforces (a PUBLISH over it gets no PUBACK). The offered load is thus about N × 90 msg/s; raise
 * N to find where a broker stops keeping up. Figures per broker:
 * - sustained messages/s: all messages over the time from the first publish to the last PUBACK.
 *   The local core runs the rule and hands the record to its Firehose on the one thread that
 *   also routes and acknowledges messages, so that work is inside this figure; mosquitto routes only.
 * - PUBACK latency p50/p99: publish to acknowledgement, as a board sees it (the local core sends
 *   the PUBACK before it runs the rule, as AWS IoT Core acknowledges before its rules engine);
 * - delivery latency p50/p99: publish to the consumer. For the local IoT Core the consumer is the
 *   telemetry rule's Firehose action (the core's "delivered" event, once the record is handed to
 *   the Firehose), so its policy check, rule and action are inside the figure; for mosquitto it is
 *   a subscriber on `dt/aqm/+/telemetry`, one more TLS hop the local core does not make.
 * - publish to lake p50/p99 (local IoT Core only): until the Firehose object holding the record
 *   is on disk under the raw prefix; it is dominated by the Firehose buffer interval (B ms),
 *   printed beside it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import mqtt from "mqtt";
import { RAW_PREFIX } from "../cloud/lib/lakePrefixes.ts";
import { ThingRegistry } from "../host-tools/local-cloud/iot-core/ThingRegistry.ts";
import { startMosquitto } from "../host-tools/local-cloud/iot-core/MosquittoBroker.ts";
import { LocalCa, type IssuedCertificate } from "../host-tools/local-cloud/iot-core/LocalCa.ts";
import { LocalIotCore } from "../host-tools/local-cloud/iot-core/LocalIotCore.ts";
import { MAX_PUBLISHES_PER_SECOND } from "../host-tools/local-cloud/iot-core/IotCoreLimits.ts";
import { PerSecondQuota } from "../firmware/session/PerSecondQuota.ts";
import { PUBLISH_PACE_PER_SECOND } from "../firmware/session/MqttSession.ts";
import { telemetryTopic } from "../firmware/session/MqttTopics.ts";
import { healthyReading } from "../host-tools/board-sim/scenarios/HealthyReading.ts";

const USAGE = `usage: npm run bench:broker [-- --boards N --messages M --window W --buffer-ms B]
  --boards N      simulated boards, each an mqtt.js client with its own certificate (default 20)
  --messages M    QoS 1 telemetry messages each board publishes (default 500)
  --window W      unacknowledged messages a board keeps in flight at most (default 10)
  --buffer-ms B   the local IoT Core's Firehose buffer interval (default 1000)
  -h, --help      this text`;

function readOptions() {
  try {
    return parseArgs({
      options: {
        boards: { type: "string", default: "20" },
        messages: { type: "string", default: "500" },
        window: { type: "string", default: "10" },
        "buffer-ms": { type: "string", default: "1000" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`bench:broker: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}
const values = readOptions();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const BOARDS = Number(values.boards);
const MESSAGES = Number(values.messages);
const WINDOW = Number(values.window);
const BUFFER_MS = Number(values["buffer-ms"]);
for (const [name, value] of [
  ["--boards", BOARDS],
  ["--messages", MESSAGES],
  ["--window", WINDOW],
  ["--buffer-ms", BUFFER_MS],
] as const) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench:broker: ${name} needs a whole number of at least 1, got ${String(value)}`);
    process.exit(2);
  }
}

/** A v2 telemetry record of the median size the firmware sends (bench:cost: 407 bytes). */
function telemetry(thing: string, seq: number, sentAt: number): string {
  return JSON.stringify(
    healthyReading(
      { thing, boot: 1, seq, ts: Date.now() },
      {
        sent_at: sentAt,
        temperature_c: 21.53,
        humidity_pct: 45.2,
        pm1_ugm3: 3.2,
        pm2_5_ugm3: 5.1,
        pm10_ugm3: 8.4,
        co_ppb: 268.3,
        no2_ppb: 13.9,
        so2_ppb: 2.7,
        o3_ppb: 31.2,
        anomaly: 0.0121,
      },
    ),
  );
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface LoadResult {
  readonly seconds: number;
  readonly pubackMs: number[];
}

/** N boards publish M messages each at QoS 1 with at most W in flight; resolves when every PUBACK is in. */
async function load(port: number, ca: LocalCa, identities: readonly IssuedCertificate[], refused?: Promise<never>): Promise<LoadResult> {
  const clients = await Promise.all(
    identities.map(
      (identity, i) =>
        new Promise<mqtt.MqttClient>((resolve, reject) => {
          const client = mqtt.connect({
            host: "127.0.0.1",
            port,
            protocol: "mqtts",
            servername: "localhost",
            clientId: thingOf(i),
            protocolVersion: 4,
            clean: true,
            keepalive: 60,
            reconnectPeriod: 0,
            ca: ca.certPem,
            cert: identity.certPem,
            key: identity.keyPem,
            // Passed through to tls.connect: both brokers then speak TLS 1.2, as a board does.
            ...({ minVersion: "TLSv1.2", maxVersion: "TLSv1.2" } as object),
          });
          client.once("connect", () => resolve(client));
          client.once("error", reject);
        }),
    ),
  );
  const pubackMs: number[] = [];
  const started = performance.now();
  const boards = Promise.all(
    clients.map(async (client, i) => {
      const thing = thingOf(i);
      const pace = new PerSecondQuota(PUBLISH_PACE_PER_SECOND);
      let next = 1;
      const sendOne = async (): Promise<void> => {
        while (next <= MESSAGES) {
          const seq = next++;
          while (!pace.admit(Date.now())) await new Promise((resolve) => setTimeout(resolve, 2));
          const sentAt = performance.now();
          await client.publishAsync(telemetryTopic(thing), telemetry(thing, seq, sentAt), { qos: 1 });
          pubackMs.push(performance.now() - sentAt);
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, sendOne));
    }),
  );
  // A refused PUBLISH gets no PUBACK, so the load would wait for it for ever.
  await (refused ? Promise.race([boards, refused]) : boards);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.endAsync()));
  return { seconds, pubackMs: pubackMs.sort((a, b) => a - b) };
}

const thingOf = (i: number): string => `aqm-bench-${String(i + 1).padStart(3, "0")}`;

function row(name: string, result: LoadResult, deliveryMs: number[]): string {
  const total = BOARDS * MESSAGES;
  const rate = total / result.seconds;
  const sorted = [...deliveryMs].sort((a, b) => a - b);
  return `${name.padEnd(18)} ${rate.toFixed(0).padStart(8)} msg/s   PUBACK p50 ${quantile(result.pubackMs, 0.5).toFixed(2).padStart(7)} ms  p99 ${quantile(result.pubackMs, 0.99).toFixed(2).padStart(7)} ms   delivery p50 ${quantile(sorted, 0.5).toFixed(2).padStart(7)} ms  p99 ${quantile(sorted, 0.99).toFixed(2).padStart(7)} ms   (${deliveryMs.length}/${total} delivered)`;
}

async function benchLocalIotCore(ca: LocalCa, identities: readonly IssuedCertificate[], lakeDir: string) {
  const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
  const registry = ThingRegistry.inMemory();
  identities.forEach((identity, i) => registry.provision(thingOf(i), identity.certPem));
  const core = new LocalIotCore({
    port: 0,
    caPem: ca.certPem,
    certPem: server.certPem,
    keyPem: server.keyPem,
    registry,
    lake: { dir: lakeDir, bufferMs: BUFFER_MS, acceptedLog: path.join(lakeDir, "..", "accepted.log") },
  });
  const deliveryMs: number[] = [];
  const problems: string[] = [];
  let refuse: (error: Error) => void = () => undefined;
  const refused = new Promise<never>((_, reject) => (refuse = reject));
  // Handled here so a refusal before the load awaits it is not an unhandled rejection; the load still races it.
  refused.catch(() => undefined);
  core.onEvent((event) => {
    if (event.kind === "delivered") deliveryMs.push(performance.now() - (JSON.parse(new TextDecoder().decode(event.payload)) as { sent_at: number }).sent_at);
    else if (event.kind === "refused" || event.kind === "undelivered") problems.push(`${event.kind}: ${event.detail}`);
    if (event.kind === "refused") refuse(new Error(`the local IoT Core refused a board: ${event.detail}${event.thing ? ` (${event.thing})` : ""}`));
  });
  const { port } = await core.start();
  const result = await load(port, ca, identities, refused);
  // Stopping writes out what the Firehose still buffers. Lake latency: the record's publish time
  // against the moment its object appeared (its mtime).
  await core.stop();
  const lakeMs: number[] = [];
  const zero = Date.now() - performance.now();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.startsWith(".")) {
        const writtenAt = statSync(full).mtimeMs - zero;
        for (const line of readFileSync(full, "utf8").split("\n")) if (line) lakeMs.push(writtenAt - (JSON.parse(line) as { sent_at: number }).sent_at);
      }
    }
  };
  // The raw prefix only: errors/ holds the rule's error records, which are no telemetry.
  walk(path.join(lakeDir, RAW_PREFIX.split("/")[0]!));
  if (problems.length > 0) console.error(`local IoT Core: ${problems.length} messages refused or not delivered; the first ${problems[0]}`);
  return { result, deliveryMs, lakeMs: lakeMs.sort((a, b) => a - b) };
}

async function benchMosquitto(ca: LocalCa, identities: readonly IssuedCertificate[], dir: string) {
  // No in-flight or queue limit: mosquitto must not throttle the load generator by its defaults.
  const broker = await startMosquitto({ ca, dir, extraConfig: ["max_inflight_messages 0", "max_queued_messages 0"] });
  const { port } = broker;
  try {
    const consumer = await ca.issueDeviceCertificate("aqm-bench-consumer");
    const deliveryMs: number[] = [];
    const subscriber = mqtt.connect({
      host: "127.0.0.1",
      port,
      protocol: "mqtts",
      servername: "localhost",
      clientId: "aqm-bench-consumer",
      protocolVersion: 4,
      ca: ca.certPem,
      cert: consumer.certPem,
      key: consumer.keyPem,
      reconnectPeriod: 0,
    });
    await new Promise<void>((resolve, reject) => {
      subscriber.once("connect", () => resolve());
      subscriber.once("error", reject);
    });
    subscriber.on("message", (_topic, payload) => deliveryMs.push(performance.now() - (JSON.parse(payload.toString()) as { sent_at: number }).sent_at));
    await subscriber.subscribeAsync(telemetryTopic("+"), { qos: 1 });
    const result = await load(port, ca, identities);
    const settle = Date.now() + 5_000;
    while (deliveryMs.length < BOARDS * MESSAGES && Date.now() < settle) await new Promise((resolve) => setTimeout(resolve, 20));
    await subscriber.endAsync();
    return { result, deliveryMs };
  } finally {
    broker.stop();
  }
}

const mosquittoInstalled = spawnSync("mosquitto", ["-h"]).error === undefined;
const work = mkdtempSync(path.join(os.tmpdir(), "aqm-bench-broker-"));
try {
  const ca = await LocalCa.createEphemeral("aqm bench CA");
  const identities: IssuedCertificate[] = [];
  for (let i = 0; i < BOARDS; i++) identities.push(await ca.issueDeviceCertificate(thingOf(i)));
  console.log(
    `bench:broker — ${BOARDS} boards × ${MESSAGES} QoS 1 messages (${telemetry(thingOf(0), 1, 0).length} B payload), ${WINDOW} in flight and at most ${PUBLISH_PACE_PER_SECOND} in any second per board (AWS allows ${MAX_PUBLISHES_PER_SECOND}), mutual TLS 1.2 on 127.0.0.1, ${os.cpus().length} cores`,
  );
  const local = await benchLocalIotCore(ca, identities, path.join(work, "lake"));
  console.log(row("local IoT Core", local.result, local.deliveryMs));
  console.log(
    `${"".padEnd(18)} publish to lake p50 ${quantile(local.lakeMs, 0.5).toFixed(0)} ms  p99 ${quantile(local.lakeMs, 0.99).toFixed(0)} ms with a ${BUFFER_MS} ms Firehose buffer; ${local.lakeMs.length}/${BOARDS * MESSAGES} records in the lake`,
  );
  if (!mosquittoInstalled) console.log("mosquitto          not installed (apt-get install mosquitto): no peer figures");
  else {
    const peer = await benchMosquitto(ca, identities, work);
    console.log(row("Debian mosquitto", peer.result, peer.deliveryMs));
    const ratio = (local.result.seconds > 0 ? (BOARDS * MESSAGES) / local.result.seconds : 0) / ((BOARDS * MESSAGES) / peer.result.seconds);
    const p99 = quantile(local.result.pubackMs, 0.99) / quantile(peer.result.pubackMs, 0.99);
    console.log(`ratio local/mosquitto: throughput ${ratio.toFixed(2)}×, PUBACK p99 ${p99.toFixed(2)}×`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
