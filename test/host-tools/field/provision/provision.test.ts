import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { MqttOpenOptions } from "../../../../host-tools/board-sim/platform/portable/HostPort.ts";
import { VmBoard } from "../../../../host-tools/board-sim/platform/VmBoard.ts";
import { installIdentity } from "../../../../host-tools/field/provision/BoardProvisioner.ts";
import { ConsoleClient, ConsoleRefused } from "../../../../host-tools/field/provision/ConsoleClient.ts";
import { localIdentity } from "../../../../host-tools/field/provision/LocalIdentity.ts";
import { ConsoleOnlyBoard } from "../../../../host-tools/board-sim/board/ConsoleOnlyBoard.ts";
import { LoopbackBroker } from "../../../../host-tools/board-sim/network/LoopbackBroker.ts";
import { SyntheticAir } from "../../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { LAB_WIFI, simulatedBoard } from "../../../../host-tools/board-sim/board/SimulatedBoard.ts";
import { NvsStore } from "../../../../host-tools/board-sim/board/NvsStore.ts";

const stateDir = mkdtempSync(path.join(os.tmpdir(), "aqm-provision-"));
after(() => rmSync(stateDir, { recursive: true, force: true }));

const der = (pem: string): string => Buffer.from(pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64").toString("hex");
const storedHex = (preferences: NvsStore, domain: string, key: string): string | undefined => {
  const value = preferences.get(domain, key);
  return typeof value === "object" ? Buffer.from(value.bytes).toString("hex") : undefined;
};

test("local path: an identity from the local CA goes over the console into a simulated board's preferences, and the firmware signs in with it", async () => {
  const thing = "aqm-prov-001";
  const identity = await localIdentity({ stateDir, thing, endpoint: "localhost", port: 8883 });
  const preferences = new NvsStore();
  const bench = new ConsoleOnlyBoard({ preferences, firmwareVersion: "0.1.0" });
  const logged: string[] = [];
  const client = new ConsoleClient(bench.uart, { onLog: (line) => logged.push(line) });
  const steps: string[] = [];
  const status = await installIdentity(client, identity, { wifi: LAB_WIFI, onStep: (step, index, total) => steps.push(`${index}/${total} ${step}`) });
  client.close();
  assert.deepEqual(steps, [
    "1/8 console handshake",
    `2/8 thing ${thing}`,
    "3/8 endpoint localhost",
    "4/8 Wi-Fi aqm-lab",
    "5/8 CA certificate",
    "6/8 client certificate",
    "7/8 private key",
    "8/8 status",
  ]);
  assert.equal(status.thing, thing);
  assert.equal(status["wifi.password"], "set");
  assert.equal(storedHex(preferences, "tls", "ca"), der(identity.caPem));
  assert.equal(storedHex(preferences, "tls", "cert"), der(identity.certPem));
  assert.equal(storedHex(preferences, "tls", "key"), der(identity.keyPem));
  assert.equal(preferences.get("aqm", "thing"), thing);
  assert.equal(preferences.get("aqm", "port"), 8883);
  assert.equal(preferences.get("wifi", "password"), LAB_WIFI.password);
  assert.deepEqual(
    logged.map((line) => line.split(" ")[3]),
    ["CN903", "CN902", "CN901", "CN904", "CN904"],
    "the board logged each change (the cert waited for its key)",
  );
  assert.ok(logged.every((line) => !line.includes(LAB_WIFI.password)));

  // The firmware, booted on those preferences, finds its identity where the console put it.
  const broker = new LoopbackBroker();
  const opened: MqttOpenOptions[] = [];
  const air = new SyntheticAir(3);
  const board = simulatedBoard({
    thing,
    epochAtBoot: Date.UTC(2026, 10, 23),
    preferences,
    wifi: null,
    air: (t) => air.at(t),
    mqtt: (options, events) => {
      opened.push(options);
      return broker.connect(options, events);
    },
  });
  const vm = await VmBoard.boot(board.sim);
  vm.advance(30_000);
  assert.ok(!board.sim.console.some((line) => line.includes(" BT110 ")), "the board does not call itself unprovisioned");
  assert.ok(opened.length >= 1, "it connects");
  assert.equal(Buffer.from(opened[0]!.certificate!).toString("hex"), der(identity.certPem));
  assert.equal(Buffer.from(opened[0]!.key!).toString("hex"), der(identity.keyPem));
  assert.equal(Buffer.from(opened[0]!.ca!).toString("hex"), der(identity.caPem));
});

test("local path: the identity is kept in the state folder and reused by the next run for the same thing", async () => {
  const first = await localIdentity({ stateDir, thing: "aqm-prov-002", endpoint: "localhost" });
  const second = await localIdentity({ stateDir, thing: "aqm-prov-002", endpoint: "localhost" });
  assert.equal(second.certPem, first.certPem);
  assert.equal(second.keyPem, first.keyPem);
});

test("what the board refuses stops the install at that step with the board's code, and the board keeps what it had", async () => {
  const preferences = new NvsStore();
  const bench = new ConsoleOnlyBoard({ preferences, firmwareVersion: "0.1.0" });
  const client = new ConsoleClient(bench.uart);
  const good = await localIdentity({ stateDir, thing: "aqm-prov-003", endpoint: "localhost" });
  await installIdentity(client, good);
  const before = JSON.stringify(["tls", "aqm"].map((domain) => preferences.keys(domain).map((key) => [key, preferences.get(domain, key)])));
  await assert.rejects(installIdentity(client, { ...good, endpoint: "not_a_host" }), (error: unknown) => {
    assert.ok(error instanceof ConsoleRefused);
    assert.equal(error.code, "invalid-value");
    assert.equal(error.command, "endpoint");
    return true;
  });
  assert.equal(JSON.stringify(["tls", "aqm"].map((domain) => preferences.keys(domain).map((key) => [key, preferences.get(domain, key)]))), before);
  client.close();
});

test("the handshake skips replies left over from before (a half-typed line, an earlier command) and log lines", async () => {
  const bench = new ConsoleOnlyBoard({ preferences: new NvsStore(), firmwareVersion: "0.1.0" });
  bench.uart.write(new TextEncoder().encode("thing left-over\nstat"));
  const client = new ConsoleClient(bench.uart);
  assert.equal(await client.handshake(), "version firmware=0.1.0 console=1");
  assert.equal(await client.command("thing aqm-next"), "thing stored thing=aqm-next restart=required");
  client.close();
});
