import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_SCORER_CONFIG } from "../../../../firmware/anomaly/ScorerConfig.ts";
import type { TrainedThing, TrainingReport } from "../../../../host-tools/analysis/training/ThresholdTraining.ts";
import { curatedState } from "./syntheticLake.ts";
import { fewReadings, weekWithSpike } from "./trainingFixture.ts";

const AQM = fileURLToPath(new URL("../../../../host-tools/field/cli/aqm.ts", import.meta.url));
const state = await curatedState([...weekWithSpike("aqm-cli-001"), ...fewReadings("aqm-cli-002")]);

function aqm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", AQM, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runDirOf(stdout: string): string {
  const run = /aqm train: run (\S+), report/.exec(stdout)?.[1];
  assert.ok(run, stdout);
  return path.join(state, "models", run);
}

test("aqm train --dry-run writes the report and no desired-state patch", () => {
  const r = aqm("train", "--state", state, "--dry-run", "--target-alerts-per-day", "0.5");
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    // The old threshold is the board's default.
    new RegExp(
      `^aqm-cli-001: threshold ${String(DEFAULT_SCORER_CONFIG.threshold).replace(".", "\\.")} → 0\\.\\d+ \\(alerts/day [\\d.]+ → [\\d.]+ over 5\\.9583 days; the detector agrees with \\d+ of \\d+ alerts\\)$`,
      "m",
    ),
  );
  assert.match(r.stdout, /^aqm-cli-002: refused, nothing published: 0 readings scored after warm-up/m);
  assert.match(r.stdout, /^dry run: no desired-state patch written$/m);
  const dir = runDirOf(r.stdout);
  const report = JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as TrainingReport;
  assert.equal(report.dryRun, true);
  assert.equal(report.targetAlertsPerDay, 0.5);
  assert.ok(existsSync(path.join(dir, "report.md")));
  assert.ok(!existsSync(path.join(dir, "desired")));
});

test("aqm train writes one desired-state patch per trained thing and none for the refused one", () => {
  const r = aqm("train", "--state", state);
  assert.equal(r.status, 0, r.stderr);
  const dir = runDirOf(r.stdout);
  assert.deepEqual(readdirSync(path.join(dir, "desired")), ["aqm-cli-001.json"]);
  const report = JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as TrainingReport;
  const trained = report.things[0] as TrainedThing;
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, "desired", "aqm-cli-001.json"), "utf8")), { anomaly: { threshold: trained.threshold } });
  assert.match(r.stdout, /not sent to any board by this command/);
});

test("aqm train: bad usage exits 2; an empty lake exits 1 and says to run aqm etl", () => {
  const bad = aqm("train", "--target-alerts-per-day", "-1");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--target-alerts-per-day must be a number above 0, not "-1"/);
  const empty = aqm("train", "--state", path.join(state, "no-such-state"));
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /no curated readings in .*no-such-state\/lake: run aqm etl first/);
});
