import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { formatLogLine } from "../../../../firmware/log/SerialLog";
import { explainLogLine } from "../../../../host-tools/field/monitor/LogExplainer.ts";

test("an error is explained with what to do; an LED change says what the LED looks like", () => {
  const rejected = formatLogLine(0, "MQ412", { reason: "expired" });
  assert.equal(
    explainLogLine(rejected, false),
    `${rejected}\n    what to do: Re-provision the certificate; check it is active, not expired, and signed by the CA the broker trusts`,
  );
  const led = formatLogLine(0, "LD500", { state: "tls-rejected" });
  assert.equal(explainLogLine(led, false), `${led}\n    LED now: red, four flashes, pause (tls-rejected)`);
  assert.equal(explainLogLine(rejected, true).startsWith("\x1b[31m"), true, "errors in red on a terminal");
});

test("a line that is not the board's (noise, a truncated line) is shown as it is, marked, never dropped", () => {
  assert.equal(explainLogLine("ets Jun  8 2016 00:22:57", false), "? ets Jun  8 2016 00:22:57");
  assert.equal(explainLogLine("2026-11-22T22:41:03.123Z ERROR mqtt MQ4", false), "? 2026-11-22T22:41:03.123Z ERROR mqtt MQ4");
});

test("aqm monitor reads a log from standard input, explains it, and saves the raw lines", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-monitor-"));
  try {
    const log =
      [formatLogLine(0, "BT100", { fw: "0.1.0" }), "bootloader noise", formatLogLine(1000, "SN200", { channel: "temperature_c", code: "nack" })].join("\n") +
      "\n";
    const saved = path.join(dir, "saved.log");
    const result = spawnSync(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", "monitor", "-", "--save", saved, "--no-colour"], {
      input: log,
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /BT100 Board started fw=0\.1\.0\n\? bootloader noise\n.*SN200.*\n    what to do: See the fault code in the LED and fault table; check the sensor's cable and power/,
    );
    assert.equal(readFileSync(saved, "utf8"), log);
    const bad = spawnSync(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", "monitr"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command "monitr"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
