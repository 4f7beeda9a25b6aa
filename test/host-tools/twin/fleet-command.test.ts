import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readingsOf } from "../../../firmware/telemetry/TelemetryBatch.ts";
import { runCommand } from "../../../host-tools/field/cli/CliCommand.ts";
import { LocalCa } from "../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import { LocalIotCore } from "../../../host-tools/local-cloud/iot-core/LocalIotCore.ts";
import { ThingRegistry } from "../../../host-tools/local-cloud/iot-core/ThingRegistry.ts";
import { acceptedLogFile } from "../../../host-tools/local-cloud/iot-core/AcceptedLog.ts";
import { estimateFleetCost } from "../../../host-tools/twin/FleetCost.ts";
import { FLEET_COMMAND } from "../../../host-tools/twin/FleetCommand.ts";

/** What aqm provision aws leaves for each thing: STATE/things/NAME/aws/{ca,cert,key}.pem, here signed by a local CA that plays AWS's. */
async function provisioned(stateDir: string, ca: LocalCa, registry: ThingRegistry, things: readonly string[]): Promise<void> {
  for (const thing of things) {
    const issued = await ca.issueDeviceCertificate(thing);
    registry.provision(thing, issued.certPem);
    const dir = path.join(stateDir, "things", thing, "aws");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "ca.pem"), ca.certPem);
    writeFileSync(path.join(dir, "cert.pem"), issued.certPem);
    writeFileSync(path.join(dir, "key.pem"), issued.keyPem, { mode: 0o600 });
  }
}

function captured(): { io: { stdout: (t: string) => void; stderr: (t: string) => void }; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { io: { stdout: (t) => (out += t), stderr: (t) => (err += t) }, out: () => out, err: () => err };
}

function rawReadings(lakeDir: string): { thing: string; seq: number }[] {
  const raw = path.join(lakeDir, "raw");
  if (!existsSync(raw)) return [];
  return readdirSync(raw, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
    .flatMap((entry) => readFileSync(path.join(entry.parentPath, entry.name), "utf8").split("\n").filter(Boolean))
    .flatMap((line) => readingsOf(JSON.parse(line)) as { thing: string; seq: number }[]);
}

test("the cost of a fleet run: messages × IoT Core's price, with shadow traffic, connection time and the rule", () => {
  const estimate = estimateFleetCost({ boards: 1000, durationMs: 3_600_000, sampleIntervalMs: 5_000 });
  assert.equal(estimate.readings, 720_000);
  assert.equal(estimate.messages, 723_000, "3 shadow messages a board");
  assert.equal(estimate.shadowOperations, 2_000);
  assert.equal(estimate.connectionMinutes, 60_000);
  assert.ok(Math.abs(estimate.usd.messaging - 0.723) < 1e-9);
  assert.ok(Math.abs(estimate.usd.total - (0.723 + 0.0025 + 0.0048 + 0.216)) < 1e-9, String(estimate.usd.total));
  assert.throws(() => estimateFleetCost({ boards: 0, durationMs: 1, sampleIntervalMs: 1 }), RangeError);
});

test(
  "aqm fleet against an IoT Core (the local one, as AWS is out of reach): the estimate comes first, every reading each board took reaches the lake",
  { timeout: 90_000 },
  async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), "aqm-fleet-"));
    const ca = await LocalCa.createEphemeral("a CA standing in for Amazon's");
    const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
    const lakeDir = path.join(state, "lake");
    const registry = ThingRegistry.inMemory();
    const core = new LocalIotCore({
      registry,
      port: 0,
      caPem: ca.certPem,
      certPem: server.certPem,
      keyPem: server.keyPem,
      shadowStateDir: state,
      lake: { dir: lakeDir, acceptedLog: acceptedLogFile(state) },
    });
    try {
      const { port } = await core.start();
      await provisioned(state, ca, registry, ["aqm-load-1", "aqm-load-2", "aqm-load-3"]);
      const args = [
        "--endpoint",
        "localhost",
        "--address",
        "127.0.0.1",
        "--port",
        String(port),
        "--boards",
        "2",
        "--duration",
        "4",
        "--interval",
        "1",
        "--power-up",
        "0",
        "--workers",
        "1",
        "--state",
        state,
      ];

      const dry = captured();
      assert.equal(await runCommand(FLEET_COMMAND, args, dry.io), 0, dry.err());
      assert.match(dry.out(), /^cost estimate for 2 boards × 4 s at one reading every 1 s/);
      assert.match(dry.out(), /messages +14 \(8 readings \+ 6 shadow\)/);
      assert.match(dry.out(), /not started: run again with --yes/);
      assert.equal(existsSync(path.join(state, "fleet")), false, "without --yes no board powers up");

      const run = captured();
      assert.equal(await runCommand(FLEET_COMMAND, [...args, "--yes"], run.io), 0, run.out() + run.err());
      const out = run.out();
      assert.ok(out.indexOf("cost estimate") < out.indexOf("starting 2 boards against localhost:"), "the estimate is shown before the run starts");
      const taken = Number(/fleet: (\d+) readings taken by 2 boards; 2 boards had every reading acknowledged/.exec(out)?.[1]);
      // A worker thread boots the bundle first, so on a busy machine a board may sample only once or twice in 4 s.
      assert.ok(taken >= 2, out);
      await core.stop();
      const lake = rawReadings(lakeDir);
      assert.equal(lake.length, taken, "every reading the fleet took is in the lake, once");
      assert.deepEqual([...new Set(lake.map((r) => r.thing))].sort(), ["aqm-load-1", "aqm-load-2"], "the first two identities by name");
      assert.ok(existsSync(path.join(state, "fleet", "aqm-load-1", "serial.log")), "each board keeps its serial log");
    } finally {
      await core.stop().catch(() => undefined);
      rmSync(state, { recursive: true, force: true });
    }
  },
);

test("aqm fleet refuses to start without enough identities, an unbounded run, or a broken identity, and says which", async () => {
  const state = mkdtempSync(path.join(os.tmpdir(), "aqm-fleet-"));
  try {
    const ca = await LocalCa.createEphemeral("a CA standing in for Amazon's");
    await provisioned(state, ca, ThingRegistry.inMemory(), ["aqm-load-1"]);
    const few = captured();
    assert.equal(
      await runCommand(FLEET_COMMAND, ["--endpoint", "x.iot.eu-west-1.amazonaws.com", "--boards", "2", "--duration", "60", "--state", state], few.io),
      1,
    );
    assert.match(few.err(), /2 boards need 2 identities from aqm provision aws, but .*things holds 1/);
    const unbounded = captured();
    assert.equal(await runCommand(FLEET_COMMAND, ["--endpoint", "x.iot.eu-west-1.amazonaws.com", "--boards", "1", "--state", state], unbounded.io), 2);
    assert.match(unbounded.err(), /^aqm fleet: --duration S is required/);
    writeFileSync(path.join(state, "things", "aqm-load-1", "aws", "key.pem"), (await ca.issueDeviceCertificate("other")).keyPem);
    const broken = captured();
    assert.equal(
      await runCommand(FLEET_COMMAND, ["--endpoint", "x.iot.eu-west-1.amazonaws.com", "--boards", "1", "--duration", "60", "--state", state], broken.io),
      1,
    );
    assert.match(broken.err(), /aqm-load-1\/aws: key\.pem does not match cert\.pem/);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});
