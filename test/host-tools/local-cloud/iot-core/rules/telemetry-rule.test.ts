import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadTelemetryRule, TELEMETRY_RULE_FILE } from "../../../../../cloud/lib/iotFiles.ts";
import { IotSqlError } from "../../../../../host-tools/local-cloud/iot-core/rules/IotSqlError.ts";
import type { RuleErrorRecord } from "../../../../../host-tools/local-cloud/iot-core/rules/RuleErrorRecord.ts";
import { loadTelemetryTopicRule, TELEMETRY_RULE_NAME } from "../../../../../host-tools/local-cloud/iot-core/rules/TelemetryRule.ts";
import { connectMqttJs, lakeObjects, startIotCore } from "../iot-core-fixture.ts";

const REPO = fileURLToPath(new URL("../../../../../", import.meta.url));
const source = (file: string) => readFileSync(path.join(REPO, file), "utf8");

test("the local engine loads cloud/iot/telemetry-rule.json, the file cloud/lib deploys the rule from", () => {
  assert.ok(existsSync(TELEMETRY_RULE_FILE), `${TELEMETRY_RULE_FILE} exists`);
  assert.match(source("cloud/lib/TelemetryIngest.ts"), /const ruleFile = loadTelemetryRule\(\);/, "the stack's rule comes from iotFiles' default file");
  const local = loadTelemetryTopicRule();
  const cloud = loadTelemetryRule();
  assert.equal(local.sql, cloud.sql);
  assert.equal(local.disabled, cloud.ruleDisabled);
  assert.equal(local.source, "telemetry-rule.json");
});

test("a local IoT Core with a lake runs this rule: a reading lands under the Firehose prefix in the rule's shape, a payload it cannot read under errors/", async () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-rule-lake-"));
  const { ca, core, port } = await startIotCore({ lake: { dir: lake } });
  try {
    const client = await connectMqttJs(port, ca, "aqm-rule-001");
    const reading = { v: 2, thing: "aqm-rule-001", boot: 1, seq: 1, pm2_5_ugm3: 5.1 };
    const sent = Date.now();
    await client.publishAsync("dt/aqm/aqm-rule-001/telemetry", JSON.stringify(reading), { qos: 1 });
    await client.publishAsync("dt/aqm/aqm-rule-001/telemetry", "seq=2,pm=3", { qos: 1 });
    await client.endAsync();
    await core.stop();

    const raw = lakeObjects(lake, "raw");
    assert.equal(raw.length, 1, "one Firehose object");
    assert.match(
      raw[0]!.key,
      /^raw\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/aqm-telemetry-1-\d{4}(-\d\d){5}-[0-9a-f-]{36}$/,
      "the cloud stack's raw prefix and Firehose's object name",
    );
    assert.equal(raw[0]!.lines.length, 1, "the reading the rule could read, alone");
    const record = JSON.parse(raw[0]!.lines[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(record), [...Object.keys(reading), "topic_thing", "received_at"], "SELECT *, then the rule's two columns");
    assert.deepEqual({ ...record, received_at: 0 }, { ...reading, topic_thing: "aqm-rule-001", received_at: 0 });
    assert.ok(
      typeof record.received_at === "number" && record.received_at >= sent && record.received_at <= Date.now(),
      `received_at is the rule's timestamp(): ${String(record.received_at)}`,
    );

    const errors = lakeObjects(lake, "errors");
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.key, new RegExp(`^errors/iot-rule-error/year=\\d{4}/month=\\d\\d/day=\\d\\d/${TELEMETRY_RULE_NAME}\\.ndjson$`));
    const error = JSON.parse(errors[0]!.lines[0]!) as RuleErrorRecord;
    assert.equal(error.topic, "dt/aqm/aqm-rule-001/telemetry");
    assert.equal(error.clientId, "aqm-rule-001");
    assert.equal(Buffer.from(error.base64OriginalPayload, "base64").toString(), "seq=2,pm=3");
    assert.deepEqual(
      error.failures.map((f) => [f.failedAction, f.failedResource]),
      [["SqlEvaluation", TELEMETRY_RULE_NAME]],
    );
    assert.match(error.failures[0]!.errorMessage, /not JSON/);
  } finally {
    await core.stop();
    rmSync(lake, { recursive: true, force: true });
  }
});

test("the local rule carries the name the cloud stack deploys the rule under (test/cloud/aqm-stack.test.ts checks the template)", () => {
  assert.equal(loadTelemetryTopicRule().name, TELEMETRY_RULE_NAME);
});

test("the loader reads the file it is given, and an edit the engine cannot run stops it with the file and column", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-rule-"));
  try {
    const file = path.join(dir, "telemetry-rule.json");
    writeFileSync(file, JSON.stringify({ sql: "SELECT seq FROM 'dt/aqm/+/telemetry' WHERE seq > 1", awsIotSqlVersion: "2016-03-23" }));
    assert.equal(loadTelemetryTopicRule(file).sql, "SELECT seq FROM 'dt/aqm/+/telemetry' WHERE seq > 1");
    writeFileSync(file, JSON.stringify({ sql: "SELECT *, upper(thing) AS t FROM 'dt/aqm/+/telemetry'", awsIotSqlVersion: "2016-03-23" }));
    assert.throws(
      () => loadTelemetryTopicRule(file),
      (error: unknown) => {
        assert.ok(error instanceof IotSqlError);
        assert.equal(error.message, "rule telemetry-rule.json: unsupported function upper() at column 11");
        return true;
      },
    );
    assert.throws(() => loadTelemetryTopicRule(path.join(dir, "missing.json")), /^Error: rule missing\.json: cannot read .*missing\.json: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
