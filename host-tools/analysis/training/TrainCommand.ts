import { randomBytes } from "node:crypto";
import path from "node:path";
import { EXIT, failed, type CliCommand, type CommandOutput, type ExitCode } from "../../field/cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../../field/cli/CommandArgs.ts";
import { lakeDirOf } from "../../local-cloud/lake/LakeLayout.ts";
import { LakeQuery } from "../../local-cloud/lake/LakeQuery.ts";
import { localTwinScorerConfig } from "./BoardScorerSettings.ts";
import { DesiredPatchFiles } from "./DesiredStatePublisher.ts";
import { eachThingReadings, thingsInLake } from "./LakeReadings.ts";
import { modelRunDir, writeModelReport } from "./ModelReportFiles.ts";
import { trainThresholds } from "./ThresholdTraining.ts";

/** `aqm train`: exit code 0 at least one board trained and every patch written, 1 otherwise, 2 bad usage. */
export const TRAIN_COMMAND: CliCommand<CommandOutput> = {
  name: "train",
  summary: "choose each board's anomaly threshold from its curated history",
  usage: `  aqm train [--state DIR] [--target-alerts-per-day N] [--dry-run]
      Choose each board's anomaly threshold from its curated history: replay its readings through
      the board's fixed-point scorer with its current settings (DIR/boards/<thing>/nvs.json if the
      local twin has one, else the firmware's defaults) and take the lowest threshold that would
      have raised at most N alerts a day (default 1). A board with less than a day of readings
      past the scorer's warm-up is refused, with the reason. Writes DIR/models/<run>/report.json
      and report.md (per board and channel: readings, score quantiles, alerts a day at the old and
      new threshold, and how many alerts a windowed robust z-score detector agrees with). Without
      --dry-run each trained board's desired-state patch {"anomaly":{"threshold":…}} is written to
      DIR/models/<run>/desired/<thing>.json; this command sends nothing to a board. The local twin
      (npm start, --train-every) runs the same training on a schedule and sends each threshold to
      the board's Device Shadow itself.`,
  usageErrorPrefix: "aqm",
  run: train,
};

async function train(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  let stateDir = "state";
  let target = 1;
  let dryRun = false;
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--state") stateDir = args.optionValue(arg);
    else if (arg === "--target-alerts-per-day") target = args.numberValue(arg, "a number above 0", (n) => Number.isFinite(n) && n > 0);
    else throw new UsageError(`unknown option ${arg} for aqm train`);
  }
  const say = (line: string): void => io.stdout(`${line}\n`);
  const run = `${new Date().toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
  const runDir = modelRunDir(stateDir, run);
  const patches = dryRun ? undefined : new DesiredPatchFiles(path.join(runDir, "desired"));
  const lake = await LakeQuery.open(lakeDirOf(stateDir));
  let report;
  try {
    if ((await thingsInLake(lake)).length === 0) return failed(io, "aqm train", `no curated readings in ${lakeDirOf(stateDir)}: run aqm etl first`);
    report = await trainThresholds(eachThingReadings(lake), {
      run,
      targetAlertsPerDay: target,
      configOf: localTwinScorerConfig(stateDir),
      ...(patches ? { publisher: patches } : {}),
    });
  } finally {
    lake.close();
  }
  const files = await writeModelReport(runDir, report);
  let publishFailures = 0;
  for (const t of report.things) {
    if (t.status === "refused") {
      say(`${t.thing}: refused, nothing published: ${t.reason}`);
      continue;
    }
    const outcome =
      t.publish.status === "failed"
        ? `; publishing failed: ${t.publish.error}`
        : t.publish.status === "published"
          ? `; desired patch ${patches!.fileOf(t.thing)}`
          : "";
    if (t.publish.status === "failed") publishFailures++;
    say(
      `${t.thing}: threshold ${t.oldThreshold} → ${t.threshold} (alerts/day ${t.alertsPerDay.old} → ${t.alertsPerDay.new} over ${t.daysScored} days; the detector agrees with ${t.comparison.agreed} of ${t.comparison.boardAlerts} alerts)${outcome}`,
    );
  }
  say(`aqm train: run ${run}, report ${files.markdown} and ${files.json}`);
  const trained = report.things.filter((t) => t.status === "trained").length;
  if (dryRun) say("dry run: no desired-state patch written");
  else if (trained > 0) say("the patches are not sent to any board by this command; apply them through the boards' Device Shadows (desired state)");
  return publishFailures === 0 && trained > 0 ? EXIT.done : EXIT.failed;
}
