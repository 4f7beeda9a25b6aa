import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { IssuedCertificate } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import { TlsMqttConnection } from "../../../../host-tools/board-sim/platform/TlsMqttConnection.ts";
import { VmBoard } from "../../../../host-tools/board-sim/platform/VmBoard.ts";
import { SyntheticAir } from "../../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../../../../host-tools/board-sim/board/SimulatedBoard.ts";
import { startIotCore, until } from "./iot-core-fixture.ts";
import { readingsOf } from "../../../../firmware/telemetry/TelemetryBatch.ts";
import { startMosquitto } from "../../../../host-tools/local-cloud/iot-core/MosquittoBroker.ts";

const run = promisify(execFile);

let fixture: Awaited<ReturnType<typeof startIotCore>>;
let dir: string;
before(async () => {
  fixture = await startIotCore();
  dir = mkdtempSync(path.join(os.tmpdir(), "aqm-mosquitto-"));
  writeFileSync(path.join(dir, "ca.pem"), fixture.ca.certPem);
});
after(async () => {
  await fixture.core.stop();
  rmSync(dir, { recursive: true, force: true });
});

function files(name: string, identity: IssuedCertificate): string[] {
  writeFileSync(path.join(dir, `${name}.cert.pem`), identity.certPem);
  writeFileSync(path.join(dir, `${name}.key.pem`), identity.keyPem, { mode: 0o600 });
  return [
    "--cafile",
    path.join(dir, "ca.pem"),
    "--cert",
    path.join(dir, `${name}.cert.pem`),
    "--key",
    path.join(dir, `${name}.key.pem`),
    "--tls-version",
    "tlsv1.2",
  ];
}

/**
 * Runs mosquitto_pub or mosquitto_sub at QoS 1 against the local IoT Core; how it exited, and what
 * it said. Each run connects a client ID used before, so the core's clock goes a second on first:
 * AWS takes one CONNECT a second per client ID.
 */
async function mosquitto(tool: "mosquitto_pub" | "mosquitto_sub", args: string[]): Promise<{ code: number; output: string }> {
  fixture.nextSecond();
  try {
    const { stdout, stderr } = await run(tool, ["-h", "localhost", "-p", String(fixture.port), "-q", "1", ...args], { timeout: 10_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

const publish = (args: string[]) => mosquitto("mosquitto_pub", args);
/** `-E`: exits once the broker has acknowledged the subscription, or fails if it has not. */
const subscribeOnce = (args: string[]) => mosquitto("mosquitto_sub", ["-E", ...args]);

test("mosquitto_pub, a client no one here wrote, is allowed and refused by the local IoT Core exactly as the policy says", { timeout: 60_000 }, async () => {
  const identity = await fixture.ca.issueDeviceCertificate("aqm-mosq");
  const tls = files("aqm-mosq", identity);

  const own = await publish([...tls, "-i", "aqm-mosq", "-t", "dt/aqm/aqm-mosq/telemetry", "-m", '{"seq":1}']);
  assert.equal(own.code, 0, own.output);
  await until(() => fixture.events.some((e) => e.kind === "message" && e.thing === "aqm-mosq"), "the message");

  const impostor = await publish([...tls, "-i", "aqm-someone-else", "-t", "dt/aqm/aqm-someone-else/telemetry", "-m", "{}"]);
  assert.notEqual(impostor.code, 0);
  assert.match(impostor.output, /not authori[sz]ed/i);

  for (const topic of ["dt/aqm/aqm-other/telemetry", "cmd/aqm/aqm-mosq/reboot"]) {
    await publish([...tls, "-i", "aqm-mosq", "-t", topic, "-m", '{"seq":2}']);
    await until(
      () =>
        fixture.events.some(
          (e) => e.kind === "refused" && e.reason === "publish" && e.detail.startsWith(`iot:Publish on topic/${topic} is not allowed for thing "aqm-mosq"`),
        ),
      `the refusal of ${topic}`,
    );
    assert.ok(!fixture.events.some((e) => e.kind === "message" && e.topic === topic));
  }

  const { LocalCa } = await import("../../../../host-tools/local-cloud/iot-core/LocalCa.ts");
  const stranger = await (await LocalCa.createEphemeral("another CA")).issueDeviceCertificate("aqm-stranger");
  const refused = await publish([...files("aqm-stranger", stranger), "-i", "aqm-stranger", "-t", "dt/aqm/aqm-stranger/telemetry", "-m", "{}"]);
  assert.notEqual(refused.code, 0);
  await until(
    () => fixture.events.some((e) => e.kind === "refused" && e.reason === "tls" && /UNABLE_TO_VERIFY_LEAF_SIGNATURE/.test(e.detail)),
    "the TLS refusal",
  );
});

test(
  "mosquitto_sub may subscribe to its own commands and receives them; other things' commands and wildcards over things are refused",
  { timeout: 60_000 },
  async () => {
    const identity = await fixture.ca.issueDeviceCertificate("aqm-mosq-sub");
    const tls = files("aqm-mosq-sub", identity);

    for (const filter of ["cmd/aqm/aqm-mosq-sub/#", "$aws/things/aqm-mosq-sub/shadow/update/delta"]) {
      const own = await subscribeOnce([...tls, "-i", "aqm-mosq-sub", "-t", filter, "-d"]);
      assert.equal(own.code, 0, own.output);
      assert.match(own.output, /Subscribed \(mid: 1\): 1/, "granted at QoS 1");
    }

    // mosquitto_sub writes to a pipe in blocks; line buffering lets the test see the SUBACK when it comes.
    fixture.nextSecond();
    const listener = spawn(
      "stdbuf",
      [
        "-oL",
        "mosquitto_sub",
        "-h",
        "localhost",
        "-p",
        String(fixture.port),
        "-q",
        "1",
        ...tls,
        "-i",
        "aqm-mosq-sub",
        "-t",
        "cmd/aqm/aqm-mosq-sub/#",
        "-C",
        "1",
        "-v",
        "-d",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let output = "";
      listener.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      listener.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => listener.once("exit", resolve));
      await until(() => output.includes("received SUBACK"), "mosquitto_sub's subscription", 10_000);
      await fixture.core.publish("cmd/aqm/aqm-mosq-sub/interval", '{"seconds":30}', 1);
      assert.equal(await exited, 0, output);
      assert.match(output, /^cmd\/aqm\/aqm-mosq-sub\/interval \{"seconds":30\}$/m);
    } finally {
      listener.kill();
    }

    for (const filter of ["cmd/aqm/aqm-other/#", "dt/aqm/+/telemetry", "cmd/aqm/+/reboot", "#", "$aws/things/aqm-other/shadow/update/delta"]) {
      const refused = await subscribeOnce([...tls, "-i", "aqm-mosq-sub", "-t", filter]);
      assert.notEqual(refused.code, 0, `${filter}: ${refused.output}`);
      // As for a refused publish, the core closes the connection instead of sending a SUBACK.
      assert.match(refused.output, /connection was lost/i, filter);
      assert.ok(
        fixture.events.some(
          (e) =>
            e.kind === "refused" &&
            e.reason === "subscribe" &&
            e.thing === "aqm-mosq-sub" &&
            e.detail.startsWith(`iot:Subscribe on topicfilter/${filter} is not allowed`),
        ),
        `the core's refusal of ${filter}`,
      );
    }
  },
);

test("the board's MQTT session works against a real Debian mosquitto broker that requires client certificates", { timeout: 60_000 }, async () => {
  const broker = await startMosquitto({ ca: fixture.ca, dir });
  const { port } = broker;
  let sub: ChildProcess | undefined;
  try {
    const listener = await fixture.ca.issueDeviceCertificate("aqm-listener");
    sub = spawn(
      "mosquitto_sub",
      [
        "-h",
        "localhost",
        "-p",
        String(port),
        ...files("aqm-listener", listener),
        "-i",
        "aqm-listener",
        "-t",
        "dt/aqm/aqm-real/telemetry",
        "-C",
        "3",
        "-q",
        "1",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let received = "";
    sub.stdout!.on("data", (chunk: Buffer) => (received += chunk.toString()));
    let subErrors = "";
    sub.stderr!.on("data", (chunk: Buffer) => (subErrors += chunk.toString()));
    await until(() => /aqm-listener/.test(broker.log()), "the subscriber", 10_000).catch((error: Error) => {
      throw new Error(`${error.message}\nbroker: ${broker.log()}\nsubscriber: ${subErrors}`);
    });

    const identity = await fixture.ca.issueDeviceCertificate("aqm-real");
    const air = new SyntheticAir(2);
    const { sim } = simulatedBoard({
      thing: "aqm-real",
      epochAtBoot: Date.now(),
      identity: { ca: fixture.ca.certDer, certificate: identity.certDer, key: identity.keyDer },
      config: { endpoint: "localhost", port, sampleIntervalMs: 1000, readIntervalMs: 1000 },
      mqtt: (open, events) => new TlsMqttConnection(open, events, { address: "127.0.0.1" }),
      air: (t) => air.at(t),
    });
    const board = await VmBoard.boot(sim);
    const deadline = Date.now() + 20_000;
    // Whole lines only: mosquitto_sub's output may arrive mid-line.
    const readings = () =>
      received
        .split("\n")
        .slice(0, -1)
        .filter(Boolean)
        .flatMap((line) => readingsOf(JSON.parse(line)) as { seq: number }[]);
    while (readings().length < 3) {
      assert.ok(Date.now() < deadline, `no telemetry through mosquitto; broker log:\n${broker.log()}\nboard log:\n${sim.console.join("\n")}`);
      board.advance(50);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(
      readings()
        .map((r) => r.seq)
        .slice(0, 3),
      [1, 2, 3],
    );
    assert.ok(
      sim.console.some((line) => line.includes(" MQ401 ")),
      "the board logged its connection",
    );
  } finally {
    // A subscriber still waiting for its messages would keep the test process alive after a failure.
    sub?.kill();
    broker.stop();
  }
});
