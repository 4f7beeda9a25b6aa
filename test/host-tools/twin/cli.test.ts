import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readingsOf } from "../../../firmware/telemetry/TelemetryBatch.ts";

function run(args: string[]): { child: ReturnType<typeof spawn>; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "host-tools/twin/cli.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Runs the twin until every board is online and the fleet has taken a few readings (the status line says so), then stops it with Ctrl-C (SIGINT); returns its output after a clean exit. */
async function runUntilPublishing(args: string[]): Promise<string> {
  const job = run(args);
  const deadline = Date.now() + 30_000;
  while (!/LED (\d+) online; connection \1 online; readings ([4-9]|\d\d+) taken/.test(job.output())) {
    assert.ok(Date.now() < deadline, `no readings within 30 s:\n${job.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  job.child.kill("SIGINT");
  assert.equal(await job.exited, 0, job.output());
  return job.output();
}

test("npm start's command: boards publish, Ctrl-C (SIGINT) stops cleanly, and the summary matches the lake", { timeout: 60_000 }, async () => {
  const state = mkdtempSync(path.join(os.tmpdir(), "aqm-cli-"));
  try {
    const out = await runUntilPublishing(["--boards", "2", "--interval", "1", "--port", "0", "--report-port", "0", "--state", state, "--no-live"]);
    assert.match(out, /local IoT Core listening on 127\.0\.0\.1:\d+ \(mutual TLS\)/);
    assert.match(out, /stopping \(SIGINT\)/);
    const boards = [...out.matchAll(/aqm-sim-00\d: (\d+) readings, all acknowledged; (\d+) in the curated lake/g)];
    const readings = boards.map((m) => Number(m[1]));
    assert.equal(readings.length, 2, out);
    for (const m of boards) assert.equal(m[2], m[1], `the curated lake holds every reading: ${m[0]}`);
    const lakeLines = readdirSync(path.join(state, "lake", "raw"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .flatMap((e) => readFileSync(path.join(e.parentPath, e.name), "utf8").split("\n").filter(Boolean));
    const lakeReadings = lakeLines.flatMap((line) => readingsOf(JSON.parse(line)));
    assert.equal(lakeReadings.length, readings[0]! + readings[1]!, "every reading the boards took is in the lake");
    assert.match(out, new RegExp(`lake: ${lakeReadings.length} readings in ${lakeLines.length} messages`));
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});

test("--help explains the options; a bad option exits 2 with the reason and the help", async () => {
  const help = run(["--help"]);
  assert.equal(await help.exited, 0);
  for (const option of [
    "--boards",
    "--interval",
    "--state",
    "--port",
    "--duration",
    "--rogue-board",
    "--etl-every",
    "--train-every",
    "--report-port",
    "--no-live",
  ])
    assert.ok(help.output().includes(option), option);
  const bad = run(["--boards", "many"]);
  assert.equal(await bad.exited, 2);
  assert.match(bad.output(), /--boards must be a whole number from 1 to 5000, not "many"/);
});

test(
  "npm start --replay: the boards breathe replayed station records; a bad file is refused with its line and column before anything starts",
  { timeout: 60_000 },
  async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), "aqm-replay-"));
    try {
      const fixture = "test/fixtures/air-quality/beijing-aotizhongxin-2013-03.csv";
      await runUntilPublishing(["--boards", "1", "--interval", "1", "--port", "0", "--report-port", "0", "--state", state, "--no-live", "--replay", fixture]);

      const broken = path.join(state, "broken.csv");
      writeFileSync(broken, readFileSync(fixture, "utf8").replace("\n3,2013,3,1,2,7,7,", "\n3,2013,3,1,2,7,seven,"));
      const bad = run(["--boards", "1", "--port", "0", "--report-port", "0", "--state", state, "--no-live", "--replay", broken]);
      assert.notEqual(await bad.exited, 0);
      assert.match(bad.output(), /broken\.csv line 4, column "PM10": "seven" is neither a number nor NA/);
      assert.doesNotMatch(bad.output(), /listening/, "nothing started");
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  },
);
