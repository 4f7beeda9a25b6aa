import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { DeviceUnderTest } from "../../host-tools/hil/DeviceUnderTest.ts";
import { runScenarios } from "../../host-tools/hil/HilRunner.ts";
import { expect, type HilScenario } from "../../host-tools/hil/HilScenario.ts";
import { junitReport } from "../../host-tools/hil/JUnitReport.ts";
import type { MqttWatch } from "../../host-tools/hil/MqttWatch.ts";
import type { SerialLogWatch } from "../../host-tools/hil/SerialLogWatch.ts";
import { HIL_SCENARIOS } from "../../host-tools/hil/scenarios.ts";

const socat = spawnSync("socat", ["-V"]).status === 0;
// On CI .ci/run installs socat; a missing one there is a failure, not a reason to skip.
const skip = socat ? false : process.env.CI ? false : "socat is not installed (apt-get install socat)";

test("aqm hil runs every scenario against the simulated board on a pseudo-terminal, all pass, and the JUnit report says so", { skip, timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-hil-"));
  try {
    const report = path.join(dir, "hil.xml");
    const child = spawn(process.execPath, ["--import", "tsx", "host-tools/cli/aqm.ts", "hil", "--junit", report], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 0, output);
    for (const scenario of HIL_SCENARIOS) assert.match(output, new RegExp(`PASS ${scenario.name} `));
    const xml = readFileSync(report, "utf8");
    assert.match(xml, new RegExp(`<testsuite name="aqm-hil" tests="${HIL_SCENARIOS.length}" failures="0" errors="0" skipped="0"`));
    assert.equal((xml.match(/<testcase /g) ?? []).length, HIL_SCENARIOS.length);
    assert.match(xml, /name="sensor-fault"[^>]*><system-out>[^<]*SN200 A channel failed[^<]*channel=temperature_c code=nack/, "each case carries the board's serial log");
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
  powerOn: async () => {},
  powerOff: async () => {},
  dropNetwork: () => {},
  restoreNetwork: () => {},
  unplugClimateSensor: () => {},
  plugClimateSensor: () => {},
  close: async () => {},
};
const quietSerial = { mark: 0, lines: [] as string[] } as unknown as SerialLogWatch;

test("a scenario a board cannot be put through is skipped with the reason; a failing one fails with its message; the report escapes what XML cannot hold", async () => {
  const failing: HilScenario = { name: "fails", summary: "", needs: [], run: async () => expect(false, `expected <online> & got "offline"`) };
  const results = await runScenarios([...HIL_SCENARIOS.filter((s) => s.needs.length > 0), failing], { dut: plainBoard, serial: quietSerial, mqtt: {} as MqttWatch });
  assert.deepEqual(
    results.map((r) => [r.name, r.outcome]),
    [
      ["network-loss", "skipped"],
      ["sensor-fault", "skipped"],
      ["bad-certificate", "skipped"],
      ["fails", "failed"],
    ],
  );
  assert.equal(results[0]!.message, "needs network-control, which board on /dev/ttyUSB9 does not offer");
  const xml = junitReport("aqm-hil", plainBoard.description, [...results, { name: "noise", summary: "", outcome: "passed", seconds: 1, log: ["\x00\x07boot <ok>"] }]);
  assert.match(xml, /tests="5" failures="1" errors="0" skipped="3"/);
  assert.match(xml, /<failure message="expected &lt;online&gt; &amp; got &quot;offline&quot;">/);
  assert.match(xml, /<skipped message="needs sensor-control, which board on \/dev\/ttyUSB9 does not offer"\/>/);
  assert.match(xml, /<system-out>boot &lt;ok&gt;<\/system-out>/, "control characters from the serial line are dropped");
});
