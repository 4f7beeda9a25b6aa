import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Q16_ONE, thresholdQ16 } from "../../../firmware/anomaly/Q16.ts";
import type { ScoreQuantiles } from "./ThresholdChoice.ts";
import type { TrainingReport } from "./ThresholdTraining.ts";

/** A training run's folder: `<state>/models/<run>/`. */
export function modelRunDir(stateDir: string, run: string): string {
  return path.join(stateDir, "models", run);
}

/** Writes `report.json` (the report as it is) and `report.md` (the same for a person) into `dir`; returns both paths. */
export async function writeModelReport(dir: string, report: TrainingReport): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, "report.json");
  const markdown = path.join(dir, "report.md");
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdown, reportMarkdown(report));
  return { json, markdown };
}

export function reportMarkdown(report: TrainingReport): string {
  const lines: string[] = [
    `# Anomaly threshold training ${report.run}`,
    "",
    `- created ${report.createdAt}; target at most ${report.targetAlertsPerDay} alert(s) a day on each thing's history`,
    `- ${report.dryRun ? "dry run: nothing published" : "thresholds of the things trained published as desired state { anomaly: { threshold } }"}`,
    `- scores: ${report.scorer}`,
    `- comparison detector: ${report.detector.name}; ${report.detector.reference}; window: ${report.detector.window}; ${report.detector.agreement}`,
    "",
    "| thing | status | readings | scored | days | interval s | threshold old → new | alerts/day old → new | board alerts the detector agrees with | published |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const t of report.things) {
    if (t.status === "refused") lines.push(`| ${t.thing} | refused: ${t.reason} | ${t.readings} | | | | | | | no |`);
    else {
      const published = t.publish.status === "failed" ? `failed: ${t.publish.error}` : t.publish.status === "published" ? "yes" : "no (dry run)";
      lines.push(
        `| ${t.thing} | trained | ${t.readings} | ${t.scoredReadings} | ${t.daysScored} | ${t.intervalS} | ${thresholdText(t.oldThreshold)} → ${thresholdText(t.threshold)} | ${t.alertsPerDay.old} → ${t.alertsPerDay.new} | ${t.comparison.agreed} of ${t.comparison.boardAlerts} | ${published} |`,
      );
    }
  }
  for (const t of report.things) {
    if (t.status === "refused") continue;
    lines.push(
      "",
      `## ${t.thing}`,
      "",
      `Settings: ${t.configSource}. Combined score (the highest channel's, as the board flags): ${quantileText(t.quantiles)}. ` +
        `Alert budget ${t.alertBudget} over ${t.daysScored} days; the comparison detector flags ${t.comparison.detectorAlerts} reading(s).`,
      "",
      "| channel | readings used | p50 | p99 | p99.9 | max | alerts/day old → new | threshold alone | detector alerts/day |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const c of t.channels) {
      if (c.quantiles === null || c.alertsPerDay === null || c.thresholdAlone === null) lines.push(`| ${c.channel} | 0 | | | | | | | |`);
      else
        lines.push(
          `| ${c.channel} | ${c.readingsUsed} | ${fixed(c.quantiles.p50)} | ${fixed(c.quantiles.p99)} | ${fixed(c.quantiles.p99_9)} | ${fixed(c.quantiles.max)} | ${c.alertsPerDay.old} → ${c.alertsPerDay.new} | ${thresholdText(c.thresholdAlone)} | ${c.detectorAlertsPerDay} |`,
        );
    }
    if (t.alerts.length > 0) {
      lines.push("", "Alerts at the new threshold:", "");
      for (const a of t.alerts) lines.push(`- ${a.at} ${a.channel} score ${fixed(a.score)}${a.detectorAgrees ? " (detector agrees)" : ""}`);
    }
    for (const note of t.notes) lines.push("", `Note: ${note}.`);
  }
  return `${lines.join("\n")}\n`;
}

function quantileText(q: ScoreQuantiles): string {
  return `p50 ${fixed(q.p50)}, p99 ${fixed(q.p99)}, p99.9 ${fixed(q.p99_9)}, max ${fixed(q.max)}`;
}

/** Four decimals for reading, and the exact Q0.16 step the board compares with. */
function thresholdText(threshold: number): string {
  return `${fixed(threshold)} (${thresholdQ16(threshold)}/${Q16_ONE})`;
}

function fixed(value: number): string {
  return value.toFixed(4);
}
