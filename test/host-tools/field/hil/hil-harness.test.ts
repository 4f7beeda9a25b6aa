import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { DeviceUnderTest } from "../../../../host-tools/field/hil/DeviceUnderTest.ts";
import { runScenarios } from "../../../../host-tools/field/hil/HilRunner.ts";
import { expect, type HilContext, type HilScenario } from "../../../../host-tools/field/hil/HilScenario.ts";
import { HilSession } from "../../../../host-tools/field/hil/HilSession.ts";
import { junitReport } from "../../../../host-tools/field/hil/JUnitReport.ts";
import type { MqttWatch } from "../../../../host-tools/field/hil/MqttWatch.ts";
import type { SerialLogWatch } from "../../../../host-tools/field/hil/SerialLogWatch.ts";
import { HIL_SCENARIOS } from "../../../../host-tools/field/hil/scenarios.ts";
import { parseFields } from "../../../../host-tools/field/provision/BoardProvisioner.ts";
import { ConsoleClient } from "../../../../host-tools/field/provision/ConsoleClient.ts";

test("aqm hil runs every scenario against the simulated board on a pseudo-terminal, all pass, and the JUnit report says so", { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-hil-"));
  try {
    const report = path.join(dir, "hil.xml");
    const child = spawn(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", "hil", "--junit", report], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 0, output);
    for (const scenario of HIL_SCENARIOS) assert.match(output, new RegExp(`PASS ${scenario.name} `));
    const xml = readFileSync(report, "utf8");
    assert.match(xml, new RegExp(`<testsuite name="aqm-hil" tests="${HIL_SCENARIOS.length}" failures="0" errors="0" skipped="0"`));
    assert.equal((xml.match(/<testcase /g) ?? []).length, HIL_SCENARIOS.length);
    assert.match(
      xml,
      /name="sensor-fault"[^>]*><system-out>[^<]*SN200 A channel failed[^<]*channel=temperature_c code=nack/,
      "each case carries the board's serial log",
    );
    const provisioning = /<testcase [^>]*name="provisioning"[^>]*><system-out>([^<]*)<\/system-out><\/testcase>/.exec(xml)?.[1];
    assert.ok(provisioning, "the report lists the provisioning scenario, passed");
    assert.match(provisioning, /BT110 Board is not provisioned[^\n]*cert=false key=false/, "it started unprovisioned");
    assert.match(
      provisioning,
      /CN904 [^\n]*slot=key [^\n]*with_cert=true[\s\S]*BT100 [^\n]*thing=aqm-hil-001[\s\S]*MQ401 /,
      "then took its identity over the console, restarted and connected",
    );
    assert.doesNotMatch(provisioning, /^[A-Za-z0-9+/]{64}$/m, "no line of a PEM block it was sent comes back on the port");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A board that offers nothing a simulator can: a real board on a port, as the runner sees it. */
const plainBoard: DeviceUnderTest = {
  description: "board on /dev/ttyUSB9",
  thing: "t",
  serialPort: "/dev/null",
  capabilities: new Set(),
  wifi: undefined,
  powerOn: async () => {},
  powerOff: async () => {},
  dropNetwork: () => {},
  restoreNetwork: () => {},
  unplugClimateSensor: () => {},
  plugClimateSensor: () => {},
  close: async () => {},
};
const quietSerial = { mark: 0, lines: [] as string[] } as unknown as SerialLogWatch;
const plainContext: HilContext = {
  dut: plainBoard,
  serial: quietSerial,
  mqtt: {} as MqttWatch,
  console: { write: () => {}, onData: () => () => {} },
  issueIdentity: () => Promise.reject(new Error("no CA in this test")),
};

test("a scenario a board cannot be put through is skipped with the reason; a failing one fails with its message; the report escapes what XML cannot hold", async () => {
  const failing: HilScenario = { name: "fails", summary: "", needs: [], run: async () => expect(false, `expected <online> & got "offline"`) };
  const results = await runScenarios([...HIL_SCENARIOS.filter((s) => s.needs.length > 0), failing], plainContext);
  assert.deepEqual(
    results.map((r) => [r.name, r.outcome]),
    [
      ["network-loss", "skipped"],
      ["sensor-fault", "skipped"],
      ["bad-certificate", "skipped"],
      ["provisioning", "skipped"],
      ["fails", "failed"],
    ],
  );
  assert.equal(results[0]!.message, "needs network-control, which board on /dev/ttyUSB9 does not offer");
  assert.equal(results[3]!.message, "needs wifi-credentials, which board on /dev/ttyUSB9 does not offer");
  const xml = junitReport("aqm-hil", plainBoard.description, [
    ...results,
    { name: "noise", summary: "", outcome: "passed", seconds: 1, log: ["\x00\x07boot <ok>"] },
  ]);
  assert.match(xml, /tests="6" failures="1" errors="0" skipped="4"/);
  assert.match(xml, /<failure message="expected &lt;online&gt; &amp; got &quot;offline&quot;">/);
  assert.match(xml, /<skipped message="needs sensor-control, which board on \/dev\/ttyUSB9 does not offer"\/>/);
  assert.match(xml, /<system-out>boot &lt;ok&gt;<\/system-out>/, "control characters from the serial line are dropped");
});

test(
  "provisioning with a key that is not the certificate's fails at the key with the board's reason, and the board stores neither",
  { timeout: 120_000 },
  async () => {
    const session = await HilSession.open({ target: "sim", thing: "aqm-hil-mismatch", say: () => {} });
    try {
      const provisioning = HIL_SCENARIOS.find((s) => s.name === "provisioning")!;
      const context: HilContext = {
        dut: session.dut,
        serial: session.serial,
        mqtt: session.mqtt,
        console: session.console,
        // One fresh identity's certificate with another's key: each valid alone, so only the pairing is wrong.
        issueIdentity: async (thing) => ({ ...(await session.issueIdentity(thing)), keyPem: (await session.issueIdentity(thing)).keyPem }),
      };
      const mark = session.serial.mark;
      await assert.rejects(provisioning.run(context), (error: Error) => {
        assert.match(
          error.message,
          /^provisioning over the serial console failed at "private key": the board refused tls key PEM line: key-mismatch .+; nothing was stored$/,
        );
        return true;
      });
      const client = new ConsoleClient(session.console);
      try {
        await client.handshake();
        const status = parseFields(await client.command("status"));
        assert.deepEqual([status["tls.cert"], status["tls.key"]], ["0", "0"], "neither the certificate nor the key is stored");
      } finally {
        client.close();
      }
      const events = session.serial.events(mark);
      assert.ok(
        events.some((e) => e.code === "CN910" && e.fields.code === "key-mismatch"),
        "the refusal is logged with its code",
      );
      assert.deepEqual(
        events.filter((e) => e.code === "CN904").map((e) => e.fields.slot),
        ["ca"],
        "of the identity, only the CA certificate was stored",
      );
    } finally {
      await session.close();
    }
  },
);

test("aqm hil's bad usage names the option or scenario (exit 2), a real board without --endpoint included", () => {
  const aqmHil = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", "hil", ...args], {
      encoding: "utf8",
      env: { ...process.env, AQM_WIFI_PASSWORD: undefined },
    });
  const usageError = (args: string[], reason: RegExp) => {
    const run = aqmHil(args);
    assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr.split("\n")[0]!, reason, args.join(" "));
    assert.match(run.stderr, /\n {2}aqm hil \[--target sim\|PORT\]/, "the usage follows");
    assert.equal(run.stdout, "", "no scenario ran");
  };
  const known = HIL_SCENARIOS.map((s) => s.name).join(", ");
  usageError(["--scenario", "boot", "--scenario", "reboot-loop"], new RegExp(`^aqm: unknown scenario reboot-loop \\(scenarios: ${known}\\)$`));
  usageError(["--scenario"], /^aqm: --scenario needs a value$/);
  usageError(["--targte", "sim"], /^aqm: unknown option --targte for aqm hil$/);
  usageError(["--wifi", "aqm lab"], /^aqm: --wifi needs the password in the AQM_WIFI_PASSWORD environment variable \("" for an open network\)$/);
  usageError(["--target", "/dev/ttyUSB9"], /^aqm: a board on \/dev\/ttyUSB9 needs --endpoint: the host name or address it reaches this host at$/);
});
