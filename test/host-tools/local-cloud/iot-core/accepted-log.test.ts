import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { telemetryTopic } from "../../../../firmware/session/MqttTopics.ts";
import { AcceptedLog, acceptedLogFile } from "../../../../host-tools/local-cloud/iot-core/AcceptedLog.ts";
import { LocalCa } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import { LocalIotCore, type IotCoreEvent } from "../../../../host-tools/local-cloud/iot-core/LocalIotCore.ts";
import { ThingRegistry } from "../../../../host-tools/local-cloud/iot-core/ThingRegistry.ts";
import { connectMqttJsAs, lakeObjects, until } from "./iot-core-fixture.ts";

const here = path.dirname(new URL(import.meta.url).pathname);

test("the log returns what was appended and not marked delivered, ignores a torn last line, and is owner-only", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-accepted-"));
  try {
    const file = path.join(dir, "iot-core", "accepted.log");
    const first = await AcceptedLog.open(file);
    assert.deepEqual(first.pending, []);
    const message = (seq: number) => ({ topic: "dt/aqm/a/telemetry", clientId: "a", payload: Buffer.from(`{"seq":${seq}}`), receivedAt: 1000 + seq });
    const ids = [];
    for (let seq = 1; seq <= 3; seq++) ids.push(await first.log.append(message(seq)));
    first.log.delivered(ids[1]!);
    await first.log.close();
    // A crash in the middle of a write leaves a line without its newline: never fsynced, never acknowledged.
    appendFileSync(file, '{"a":"torn","t":"dt/aqm/a/tele');
    const second = await AcceptedLog.open(file);
    assert.deepEqual(
      second.pending.map((m) => [m.id, Buffer.from(m.payload).toString(), m.receivedAt]),
      [
        [ids[0], '{"seq":1}', 1001],
        [ids[2], '{"seq":3}', 1003],
      ],
    );
    assert.equal(second.log.undelivered, 2);
    await second.log.close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a line in the middle that is not JSON is a clear error, not a silent loss", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-accepted-"));
  try {
    const file = path.join(dir, "accepted.log");
    appendFileSync(file, 'garbage\n{"d":["x"]}\n');
    await assert.rejects(AcceptedLog.open(file), /accepted-message log .*accepted\.log line 1 is not JSON .* it may hold acknowledged messages/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kill -9 of a core after its PUBACK loses nothing: the next core on the same state replays the reading into the lake", { timeout: 60_000 }, async () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "aqm-crash-"));
  try {
    const ca = await LocalCa.openOrCreate(stateDir);
    const thing = "aqm-crash-001";
    const identity = await ca.deviceIdentity(stateDir, thing);
    ThingRegistry.open(stateDir).provision(thing, identity.certPem);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "core-process.ts"), stateDir], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n")) resolve((JSON.parse(line!) as { port: number }).port);
      });
      child.once("exit", (code) => reject(new Error(`the core process exited with ${code}`)));
    });
    const client = await connectMqttJsAs(port, ca.certPem, identity, thing);
    const reading = JSON.stringify({ v: 2, thing, boot: 1, seq: 1, ts: Date.now() });
    await client.publishAsync(telemetryTopic(thing), reading, { qos: 1 });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    await client.endAsync(true);
    const lake = path.join(stateDir, "lake");
    assert.deepEqual(lakeObjects(lake, "raw"), [], "the killed core's Firehose wrote nothing");
    assert.match(readFileSync(acceptedLogFile(stateDir), "utf8"), /aqm-crash-001/);

    const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
    const next = new LocalIotCore({
      port: 0,
      caPem: ca.certPem,
      certPem: server.certPem,
      keyPem: server.keyPem,
      registry: ThingRegistry.open(stateDir),
      lake: { dir: lake, bufferMs: 50, acceptedLog: acceptedLogFile(stateDir) },
    });
    const events: IotCoreEvent[] = [];
    next.onEvent((event) => events.push(event));
    await next.start();
    assert.deepEqual(
      events.filter((e) => e.kind === "replayed"),
      [{ kind: "replayed", messages: 1 }],
    );
    await until(() => lakeObjects(lake, "raw").length === 1, "the replayed reading in the lake");
    await next.stop();
    const records = lakeObjects(lake, "raw").flatMap((object) => object.lines.map((line) => JSON.parse(line) as { seq: number; thing: string }));
    assert.deepEqual(
      records.map((r) => [r.thing, r.seq]),
      [[thing, 1]],
    );
    // Delivered, so a third core replays nothing.
    const { pending, log } = await AcceptedLog.open(acceptedLogFile(stateDir));
    await log.close();
    assert.deepEqual(pending, []);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
