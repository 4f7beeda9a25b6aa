import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const COMMANDS = ["monitor", "calibration", "build", "flash", "update", "hil", "provision", "fleet", "etl", "query", "train", "forecast", "report"];

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Asynchronous, so that the thirteen node processes start side by side rather than one after another.
function aqm(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

test("aqm --help lists every command, in order, each with its one-line summary", async () => {
  const help = await aqm("--help");
  assert.equal(help.status, 0, help.stderr);
  const listed = [...help.stdout.matchAll(/^ {2}([a-z]+) +(\S.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(listed, COMMANDS);
  assert.match(help.stdout, /^Exit codes: 0 done, 1 failed, 2 bad usage, 3 a required tool or serial port is missing\.$/m);
  const bare = await aqm();
  assert.equal(bare.status, 2, "no command is bad usage");
  assert.equal(bare.stdout, help.stdout);
});

test("aqm COMMAND --help prints that command's usage and exits 0", async () => {
  const runs = await Promise.all(COMMANDS.map((command) => aqm(command, "--help")));
  runs.forEach((run, i) => {
    const command = COMMANDS[i]!;
    assert.equal(run.status, 0, `${command}: ${run.stderr}`);
    assert.equal(run.stderr, "", command);
    assert.ok(run.stdout.startsWith(`  aqm ${command} `) || run.stdout.startsWith(`  aqm ${command}\n`), `${command} --help printed:\n${run.stdout}`);
    assert.doesNotMatch(run.stdout, /^Commands:/m, `${command} --help prints its own usage, not the list`);
  });
});

test("an unknown command is bad usage, named, with the list of commands", async () => {
  const run = await aqm("monitr", "--help");
  assert.equal(run.status, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /^aqm: unknown command "monitr"\n\naqm: tools for aqm boards\n/);
  assert.match(run.stderr, /^ {2}monitor +explain a board's serial log/m);
});
