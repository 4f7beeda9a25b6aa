import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Q16_ONE, thresholdQ16 } from "../../../../firmware/anomaly/Q16.ts";
import { DEFAULT_SCORER_CONFIG } from "../../../../firmware/anomaly/ScorerConfig.ts";
import { CHANNELS } from "../../../../firmware/telemetry/Channels.ts";
import { LakeQuery } from "../../../../host-tools/local-cloud/lake/LakeQuery.ts";
import { replayBoardScorer } from "../../../../host-tools/analysis/training/BoardScoreReplay.ts";
import { BUILD_DEFAULTS } from "../../../../host-tools/analysis/training/BoardScorerSettings.ts";
import type { DesiredStatePublisher } from "../../../../host-tools/analysis/training/DesiredStatePublisher.ts";
import { readingsOfThing, thingsInLake } from "../../../../host-tools/analysis/training/LakeReadings.ts";
import { modelRunDir, writeModelReport } from "../../../../host-tools/analysis/training/ModelReportFiles.ts";
import { countAtOrAbove } from "../../../../host-tools/analysis/training/ThresholdChoice.ts";
import { trainThresholds, type TrainedThing, type RefusedThing, type TrainingReport } from "../../../../host-tools/analysis/training/ThresholdTraining.ts";
import { curatedState, DAY } from "./syntheticLake.ts";
import { fewReadings, INTERVAL_MS, SPIKE_TS, WEEK_READINGS, weekWithSpike } from "./trainingFixture.ts";

/** The test fake: records every desired state it is handed. */
class RecordingPublisher implements DesiredStatePublisher {
  readonly calls: { thing: string; desired: Record<string, unknown> }[] = [];
  async publishDesired(thing: string, desired: Record<string, unknown>): Promise<void> {
    this.calls.push({ thing, desired });
  }
}

const stateDir = await curatedState([...weekWithSpike("aqm-train-001"), ...fewReadings("aqm-train-002")]);
const lake = await LakeQuery.open(path.join(stateDir, "lake"));
const things = await Promise.all((await thingsInLake(lake)).map((thing) => readingsOfThing(lake, thing)));
lake.close();
const publisher = new RecordingPublisher();
const report = await trainThresholds(things, {
  run: "test-run",
  targetAlertsPerDay: 1,
  configOf: () => BUILD_DEFAULTS,
  publisher,
  now: () => Date.UTC(2026, 0, 12),
});
const trained = report.things.find((t) => t.thing === "aqm-train-001") as TrainedThing;
const refused = report.things.find((t) => t.thing === "aqm-train-002") as RefusedThing;
const warmup = DEFAULT_SCORER_CONFIG.warmupReadings;

test("the lake's readings come back per thing in ts order, all nine channels usable", () => {
  assert.deepEqual(
    things.map((t) => [t.thing, t.readings.length]),
    [
      ["aqm-train-001", WEEK_READINGS],
      ["aqm-train-002", 100],
    ],
  );
  const week = things[0]!.readings;
  assert.ok(week.every((r, i) => i === 0 || r.ts - week[i - 1]!.ts === INTERVAL_MS));
  assert.ok(week.every((r) => r.values.length === CHANNELS.length && r.values.every(Number.isFinite)));
});

test("a week with a spike: the threshold lets the spike alert and keeps the rest within one alert a day", () => {
  assert.equal(trained.status, "trained");
  assert.equal(trained.scoredReadings, WEEK_READINGS - warmup);
  assert.equal(trained.intervalS, 600);
  assert.equal(trained.daysScored, Math.round((((WEEK_READINGS - warmup) * INTERVAL_MS) / DAY) * 10_000) / 10_000);
  const budget = Math.floor(trained.alertBudget);
  assert.equal(budget, 5);
  // The spike is among the board's alerts at the new threshold, named on its channel, and the robust z-score flags it too.
  const spike = trained.alerts.find((a) => a.ts === SPIKE_TS);
  assert.deepEqual(spike && { channel: spike.channel, detectorAgrees: spike.detectorAgrees }, { channel: "pm2_5_ugm3", detectorAgrees: true });
  assert.ok(trained.comparison.boardAlerts <= budget, `${trained.comparison.boardAlerts} alerts over a budget of ${budget}`);
  assert.equal(trained.alerts.length, trained.comparison.boardAlerts);
  assert.ok(trained.alertsPerDay.new <= 1, `alerts a day at the new threshold: ${trained.alertsPerDay.new}`);
  assert.ok(trained.comparison.agreed >= 1 && trained.comparison.agreed <= trained.comparison.boardAlerts);
});

test("the chosen threshold is the lowest that meets the target, on the board's Q0.16 grid", () => {
  const q = trained.threshold * Q16_ONE;
  assert.ok(Number.isInteger(q) && q >= 1 && q <= 65535, `threshold ${trained.threshold}`);
  const scores = replayBoardScorer(things[0]!.readings, DEFAULT_SCORER_CONFIG)
    .slice(warmup)
    .map((r) => r.combinedQ16);
  const budget = Math.floor(trained.alertBudget);
  assert.equal(countAtOrAbove(scores, q), trained.comparison.boardAlerts);
  assert.ok(countAtOrAbove(scores, q - 1) > budget, "one step lower would break the target");
  assert.equal(trained.oldThreshold, DEFAULT_SCORER_CONFIG.threshold);
  assert.equal(
    trained.alertsPerDay.old,
    Math.round((countAtOrAbove(scores, thresholdQ16(DEFAULT_SCORER_CONFIG.threshold)) / trained.daysScored) * 10_000) / 10_000,
  );
});

test("per channel: readings used, ordered score quantiles, alert rates; PM2.5 holds the highest score", () => {
  assert.deepEqual(
    trained.channels.map((c) => c.channel),
    CHANNELS.map((c) => c.name),
  );
  for (const c of trained.channels) {
    assert.equal(c.readingsUsed, WEEK_READINGS - warmup, c.channel);
    const q = c.quantiles!;
    assert.ok(q.p50 <= q.p99 && q.p99 <= q.p99_9 && q.p99_9 <= q.max, `${c.channel} quantiles ${JSON.stringify(q)}`);
    assert.ok(c.thresholdAlone! > 0 && c.thresholdAlone! < 1);
  }
  const pm25 = trained.channels.find((c) => c.channel === "pm2_5_ugm3")!;
  assert.equal(pm25.quantiles!.max, trained.quantiles.max);
  assert.ok(pm25.quantiles!.max >= trained.threshold);
  // At the new threshold PM2.5 alerts on the spike alone, once, on its rise: its fall is about one
  // record tall (the rise has just set it) and loses the discount of the other channels' steps.
  assert.equal(pm25.alertsPerDay!.new, Math.round((1 / trained.daysScored) * 10_000) / 10_000);
  const channelAlerts = trained.channels.reduce((n, c) => n + c.alertsPerDay!.new * trained.daysScored, 0);
  assert.ok(Math.round(channelAlerts) >= trained.comparison.boardAlerts);
});

test("too little data: refused with the reason, and only the trained thing is published", () => {
  assert.equal(refused.status, "refused");
  assert.match(
    refused.reason,
    /^0 readings scored after warm-up \(100 in all; the scorer learns from 150 valid readings per channel after every boot\), fewer than a day's worth \(144 at the observed interval of 600 s\)$/,
  );
  assert.deepEqual(publisher.calls, [{ thing: "aqm-train-001", desired: { anomaly: { threshold: trained.threshold } } }]);
  assert.deepEqual(trained.publish, { status: "published" });
});

test("a dry run publishes nothing and says so; a failing publisher is reported per thing", async () => {
  const dry = await trainThresholds(things, { run: "dry", targetAlertsPerDay: 1, configOf: () => BUILD_DEFAULTS });
  assert.equal(dry.dryRun, true);
  assert.deepEqual((dry.things[0] as TrainedThing).publish, { status: "dry-run" });
  const failing: DesiredStatePublisher = {
    publishDesired: async (thing) => {
      throw new Error(`shadow of ${thing} unreachable`);
    },
  };
  const failed = await trainThresholds(things, { run: "fail", targetAlertsPerDay: 1, configOf: () => BUILD_DEFAULTS, publisher: failing });
  assert.deepEqual((failed.things[0] as TrainedThing).publish, { status: "failed", error: "shadow of aqm-train-001 unreachable" });
  await assert.rejects(
    trainThresholds(things, { run: "bad", targetAlertsPerDay: 0, configOf: () => BUILD_DEFAULTS }),
    /target alerts per day must be a number above 0, got 0/,
  );
});

test("a stricter target gives a higher threshold and fewer alerts", async () => {
  const strict = await trainThresholds(things, { run: "strict", targetAlertsPerDay: 0.2, configOf: () => BUILD_DEFAULTS });
  const t = strict.things[0] as TrainedThing;
  assert.equal(Math.floor(t.alertBudget), 1);
  assert.ok(t.threshold > trained.threshold);
  // The one alert left is the jump test's on the spike's rise; its fall is graded against the record the rise has just set.
  assert.deepEqual(
    t.alerts.map((a) => a.ts),
    [SPIKE_TS],
  );
});

test("report files: report.json holds the report, report.md the same in tables", async () => {
  const dir = modelRunDir(stateDir, report.run);
  const files = await writeModelReport(dir, report);
  assert.deepEqual(files, { json: path.join(stateDir, "models", "test-run", "report.json"), markdown: path.join(stateDir, "models", "test-run", "report.md") });
  const json = JSON.parse(readFileSync(files.json, "utf8")) as TrainingReport;
  assert.deepEqual(json, JSON.parse(JSON.stringify(report)));
  assert.equal(json.createdAt, "2026-01-12T00:00:00.000Z");
  assert.deepEqual(Object.keys(json).sort(), ["createdAt", "detector", "dryRun", "run", "scorer", "targetAlertsPerDay", "things"]);
  const thing = json.things[0] as TrainedThing;
  for (const field of [
    "readings",
    "scoredReadings",
    "intervalS",
    "daysScored",
    "oldThreshold",
    "threshold",
    "alertsPerDay",
    "quantiles",
    "channels",
    "comparison",
    "desired",
    "publish",
  ])
    assert.ok(field in thing, field);
  assert.deepEqual(Object.keys(thing.channels[0]!).sort(), ["alertsPerDay", "channel", "detectorAlertsPerDay", "quantiles", "readingsUsed", "thresholdAlone"]);
  assert.deepEqual(Object.keys(thing.quantiles).sort(), ["max", "p50", "p99", "p99_9"]);
  assert.match(json.detector.reference, /Iglewicz.*Hoaglin.*3\.5/);
  const md = readFileSync(files.markdown, "utf8");
  assert.match(md, /^# Anomaly threshold training test-run$/m);
  assert.match(
    md,
    new RegExp(
      `^\\| aqm-train-001 \\| trained \\| ${WEEK_READINGS} \\| ${WEEK_READINGS - warmup} \\| .* \\| ${DEFAULT_SCORER_CONFIG.threshold.toFixed(4).replace(".", "\\.")} \\(${thresholdQ16(DEFAULT_SCORER_CONFIG.threshold)}/65536\\) → ${trained.threshold.toFixed(4).replace(".", "\\.")} \\(${trained.threshold * Q16_ONE}/65536\\) \\| .* \\| yes \\|$`,
      "m",
    ),
  );
  assert.match(md, /^\| aqm-train-002 \| refused: 0 readings scored after warm-up .* \| 100 \| .* \| no \|$/m);
  assert.match(md, /^\| pm2_5_ugm3 \| 858 \| /m);
  assert.ok(!existsSync(path.join(dir, "desired")), "writing the report publishes nothing");
});

test("a reboot restarts the scorer: each boot's first readings are warm-up and not scored", async () => {
  const rebooted = things[0]!.readings.map((r, i) => (i < WEEK_READINGS / 2 ? r : { ...r, boot: 2, seq: r.seq - WEEK_READINGS / 2 }));
  const result = await trainThresholds([{ thing: "aqm-train-001", readings: rebooted }], {
    run: "reboot",
    targetAlertsPerDay: 1,
    configOf: () => BUILD_DEFAULTS,
  });
  const t = result.things[0] as TrainedThing;
  assert.equal(t.boots, 2);
  assert.equal(t.scoredReadings, WEEK_READINGS - 2 * warmup);
  assert.match(t.notes.join("\n"), /restarted at each boot/);
});
