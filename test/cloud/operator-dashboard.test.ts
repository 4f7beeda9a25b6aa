import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { THRESHOLD_REFUSAL_REASONS } from "../../cloud/lib/NewDataCheck.ts";
import { logicalId, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const body = resources[logicalId(stack, stack.dashboard.dashboard)]!.Properties.DashboardBody;
/** The dashboard body with its tokens written as their logical ids: what the widgets show. */
const text = JSON.stringify(body);

test("operator dashboard: alarm status, silent boards, telemetry in, alerts by channel, pipeline runs, skips and refusals", () => {
  assert.equal(resources[logicalId(stack, stack.dashboard.dashboard)]!.Properties.DashboardName, "aqm-operations");
  for (const title of [
    "Alarms",
    "Silent boards now",
    "Telemetry in (messages per 5 min)",
    "Readings over a WHO 2021 guideline level or flagged anomalous (alerts sent)",
    "Daily pipeline: runs, skips, thresholds published and refused",
  ])
    assert.ok(text.includes(title), title);
  assert.ok(text.includes(logicalId(stack, stack.fleetWatch.fleetSilenceAlarm)), "the fleet silence alarm's status");
  for (const rule of Object.values(stack.alerts.rules)) assert.ok(text.includes(logicalId(stack, rule)), "each alert rule's matches");
  for (const metric of ["SilentBoards", "TrainingSkipped", "ThresholdsRefused", "ThresholdsPublished"]) assert.ok(text.includes(metric), metric);
});

test("the refusal reasons the dashboard plots are the ones the quality gate counts", () => {
  const gate = fileURLToPath(new URL("../../cloud/lambda/", import.meta.url));
  const reasons = JSON.parse(
    execFileSync(
      "python3",
      ["-c", `import sys, json; sys.path.insert(0, ${JSON.stringify(gate)}); import quality_gate; print(json.dumps(quality_gate.REASONS))`],
      {
        encoding: "utf8",
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      },
    ),
  ) as string[];
  assert.deepEqual(reasons, [...THRESHOLD_REFUSAL_REASONS]);
  for (const reason of reasons) assert.ok(text.includes(`ThresholdsRefused (${reason})`), `the dashboard plots ${reason}`);
});
