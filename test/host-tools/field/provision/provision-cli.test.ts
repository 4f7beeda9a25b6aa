import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ThingRegistry } from "../../../../host-tools/local-cloud/iot-core/ThingRegistry.ts";

const aqm = (args: string[], env: Record<string, string | undefined> = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", ...args], { encoding: "utf8", env: { ...process.env, ...env } });

test("aqm provision local --board: the identity and Wi-Fi land in the simulated board's nvs.json, with progress, exit 0", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-provision-cli-"));
  try {
    const board = path.join(dir, "boards", "aqm-cli-001");
    mkdirSync(board, { recursive: true });
    const run = aqm(["provision", "local", "--thing", "aqm-cli-001", "--board", board, "--state", dir, "--wifi", "aqm lab"], {
      AQM_WIFI_PASSWORD: "lab passphrase",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^\[1\/8\] console handshake\n/);
    assert.match(run.stdout, /\nprovisioned aqm-cli-001 for localhost: CA \d+ B, certificate \d+ B, key \d+ B; restart the board to use it\n$/);
    assert.ok(!run.stdout.includes("lab passphrase"));
    const nvs = JSON.parse(readFileSync(path.join(board, "nvs.json"), "utf8")) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(nvs.tls ?? {}).sort(), ["ca", "cert", "key"]);
    assert.deepEqual(nvs.wifi, { ssid: "aqm lab", password: "lab passphrase" });
    assert.deepEqual(nvs.aqm, { thing: "aqm-cli-001", endpoint: "localhost", port: 8883 });
    // The local IoT Core will admit it: the thing, its ACTIVE certificate, attached, as in AWS.
    const certPem = readFileSync(path.join(dir, "things", "aqm-cli-001", "cert.pem"), "utf8");
    assert.deepEqual(ThingRegistry.open(dir).admit(new Uint8Array(new X509Certificate(certPem).raw), "aqm-cli-001"), { admitted: true, thing: "aqm-cli-001" });
    // The board's preferences hold its key and the Wi-Fi password: the owner's only.
    assert.equal(statSync(path.join(board, "nvs.json")).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Exit 2 with the reason on stderr's first line, then the usage; nothing on stdout, so nothing was started. */
function assertUsageError(args: string[], reason: RegExp, env: Record<string, string | undefined> = {}): void {
  const run = aqm(args, env);
  assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
  assert.match(run.stderr.split("\n")[0]!, reason, args.join(" "));
  assert.match(run.stderr, /\n {2}aqm provision local --thing NAME/, "the usage follows");
  assert.equal(run.stdout, "");
}

test("aqm provision without a target or thing is a usage error (exit 2)", () => {
  assertUsageError(["provision", "local", "--board", "x"], /^aqm: aqm provision needs --thing NAME$/);
  assertUsageError(
    ["provision", "aws", "--thing", "t", "--board", "x"],
    /^aqm: aqm provision aws needs --policy NAME \(the device policy, e\.g\. from cloud\/iot\/\)$/,
  );
  assertUsageError(["provision", "local", "--thing", "t"], /^aqm: aqm provision needs one of --serial PORT or --board DIR$/);
});

test("aqm provision names what is wrong with its target, options and Wi-Fi password (exit 2)", () => {
  assertUsageError(["provision", "azure", "--thing", "t"], /^aqm: aqm provision needs local or aws$/);
  assertUsageError(
    ["provision", "local", "--thing", "t", "--serial", "/dev/ttyUSB0", "--board", "x"],
    /^aqm: aqm provision needs one of --serial PORT or --board DIR$/,
  );
  assertUsageError(["provision", "local", "--thing", "t", "--board", "x", "--policy", "p"], /^aqm: unknown option --policy for aqm provision local$/);
  assertUsageError(["provision", "local", "--thing", "--board", "x"], /^aqm: --thing needs a value$/);
  assertUsageError(["provision", "local", "--thing", "t", "--board", "x", "--port", "70000"], /^aqm: --port needs a TCP port number$/);
  // The password never goes on the command line, where shell histories and process lists would keep it.
  assertUsageError(
    ["provision", "local", "--thing", "t", "--board", "x", "--wifi", "aqm lab"],
    /^aqm: --wifi needs the password in the AQM_WIFI_PASSWORD environment variable \("" for an open network\)$/,
    { AQM_WIFI_PASSWORD: undefined },
  );
});
