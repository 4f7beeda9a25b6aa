import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadTelemetryRule, TELEMETRY_RULE_FILE } from "../../../../../cloud/lib/iotFiles.ts";
import { IotSqlError } from "../../../../../host-tools/local-cloud/iot-core/rules/IotSqlError.ts";
import { loadTelemetryTopicRule, TELEMETRY_RULE_NAME, TELEMETRY_TOPIC_RULE_FILE } from "../../../../../host-tools/local-cloud/iot-core/rules/TelemetryRule.ts";

const REPO = fileURLToPath(new URL("../../../../../", import.meta.url));
const source = (file: string) => readFileSync(path.join(REPO, file), "utf8");

test("the local engine loads cloud/iot/telemetry-rule.json, the file cloud/lib deploys the rule from", () => {
  assert.equal(TELEMETRY_TOPIC_RULE_FILE, path.join(REPO, "cloud", "iot", "telemetry-rule.json"));
  assert.equal(TELEMETRY_TOPIC_RULE_FILE, TELEMETRY_RULE_FILE);
  assert.match(source("cloud/lib/TelemetryIngest.ts"), /const ruleFile = loadTelemetryRule\(\);/, "the stack's rule comes from iotFiles' default file");
  const local = loadTelemetryTopicRule();
  const cloud = loadTelemetryRule();
  assert.equal(local.sql, cloud.sql);
  assert.equal(local.disabled, cloud.ruleDisabled);
  assert.equal(local.source, "telemetry-rule.json");
});

test("the main job runs the telemetry rule through the engine, with no topic pattern of its own", () => {
  const mainJob = source("host-tools/twin/MainJob.ts");
  assert.match(mainJob, /rule: loadTelemetryTopicRule\(\)/);
  assert.doesNotMatch(mainJob, /dt\W{1,2}aqm/, "no hard-coded telemetry topic");
});

test("the local rule carries the name the cloud stack gives the rule", () => {
  assert.match(source("cloud/lib/TelemetryIngest.ts"), new RegExp(`ruleName: props\\.ruleName \\?\\? '${TELEMETRY_RULE_NAME}'`));
  assert.equal(loadTelemetryTopicRule().name, TELEMETRY_RULE_NAME);
});

test("the loader reads the file it is given, and an edit the engine cannot run stops it with the file and column", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-rule-"));
  try {
    const file = path.join(dir, "telemetry-rule.json");
    writeFileSync(file, JSON.stringify({ sql: "SELECT seq FROM 'dt/aqm/+/telemetry' WHERE seq > 1", awsIotSqlVersion: "2016-03-23" }));
    assert.equal(loadTelemetryTopicRule(file).sql, "SELECT seq FROM 'dt/aqm/+/telemetry' WHERE seq > 1");
    writeFileSync(file, JSON.stringify({ sql: "SELECT *, upper(thing) AS t FROM 'dt/aqm/+/telemetry'", awsIotSqlVersion: "2016-03-23" }));
    assert.throws(() => loadTelemetryTopicRule(file), (error: unknown) => {
      assert.ok(error instanceof IotSqlError);
      assert.equal(error.message, "rule telemetry-rule.json: unsupported function upper() at column 11");
      return true;
    });
    assert.throws(() => loadTelemetryTopicRule(path.join(dir, "missing.json")), /^Error: rule missing\.json: cannot read .*missing\.json: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
