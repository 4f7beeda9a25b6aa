import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ERROR_PREFIX } from "../../../../../cloud/lib/TelemetryIngest.ts";
import { LocalFirehose } from "../../../../../host-tools/local-cloud/iot-core/LocalFirehose.ts";
import { RuleEngine, type RuleAction } from "../../../../../host-tools/local-cloud/iot-core/rules/RuleEngine.ts";
import { RULE_ERROR_OUTPUT_TYPE, RuleErrorFile } from "../../../../../host-tools/local-cloud/iot-core/rules/RuleErrorFile.ts";
import { renderFirehosePrefix } from "../../../../../host-tools/local-cloud/iot-core/FirehosePrefix.ts";
import type { RuleErrorRecord } from "../../../../../host-tools/local-cloud/iot-core/rules/RuleErrorRecord.ts";
import { TopicRule } from "../../../../../host-tools/local-cloud/iot-core/rules/TopicRule.ts";

const NOW = Date.UTC(2026, 2, 23, 12, 34, 56);
const PROJECT_SQL = "SELECT *, topic(3) AS topic_thing, timestamp() AS received_at FROM 'dt/aqm/+/telemetry'";
const utf8 = (text: string) => new TextEncoder().encode(text);

function rule(sql: string, ruleDisabled = false): TopicRule {
  return TopicRule.fromDefinition({ sql, awsIotSqlVersion: "2016-03-23", ruleDisabled }, "test_rule", "test-rule.json");
}

/** An action that keeps what it is given, or throws `refusal` when set. */
class RecordingAction implements RuleAction {
  readonly records: (string | Uint8Array)[] = [];
  constructor(readonly refusal?: Error) {}
  put(record: string | Uint8Array): void {
    if (this.refusal) throw this.refusal;
    this.records.push(record);
  }
}

class RecordingErrors {
  readonly records: RuleErrorRecord[] = [];
  put(record: RuleErrorRecord): void {
    this.records.push(record);
  }
}

function engine(sql: string, action: RuleAction, errors: { put(record: RuleErrorRecord): void }, ruleDisabled = false): RuleEngine {
  return new RuleEngine({
    rule: rule(sql, ruleDisabled),
    action,
    actionName: "FirehoseAction",
    actionResource: "aqm-telemetry",
    errorAction: errors,
    now: () => NOW,
  });
}

function lines(dir: string, under: string): string[] {
  const root = path.join(dir, under);
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .flatMap((entry) => readFileSync(path.join(entry.parentPath, entry.name), "utf8").split("\n").filter(Boolean));
}

test("a telemetry message reaches the local Firehose with topic_thing and received_at added, as the cloud rule adds them", async () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-rules-"));
  try {
    const firehose = new LocalFirehose({ lakeDir: lake, now: () => NOW });
    const errors = new RuleErrorFile({ lakeDir: lake, now: () => NOW });
    const rules = engine(PROJECT_SQL, firehose, errors);
    assert.deepEqual(rules.message("dt/aqm/aqm-sim-001/telemetry", "aqm-sim-001", utf8('{"thing":"aqm-sim-001","seq":1}')), { kind: "delivered" });
    assert.deepEqual(rules.message("dt/aqm/aqm-sim-001/status", "aqm-sim-001", utf8('{"seq":2}')), { kind: "not-matched" });
    await firehose.close();
    assert.deepEqual(lines(lake, "raw"), [`{"thing":"aqm-sim-001","seq":1,"topic_thing":"aqm-sim-001","received_at":${NOW}}`]);
    assert.equal(errors.recordsWritten, 0);
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});

test("a payload that is not JSON, where the rule reads it as JSON, becomes an error record in the lake's errors/ prefix, with the payload in base64", () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-rules-"));
  try {
    const action = new RecordingAction();
    const errors = new RuleErrorFile({ lakeDir: lake, now: () => NOW });
    const payload = utf8("seq=1,pm=3");
    const outcome = engine(PROJECT_SQL, action, errors).message("dt/aqm/aqm-sim-002/telemetry", "aqm-sim-002", payload);
    assert.equal(outcome.kind, "failed");
    assert.equal(action.records.length, 0, "nothing went to the action");
    const file = path.join(lake, "errors", "iot-rule-error", "year=2026", "month=03", "day=23", "test_rule.ndjson");
    assert.equal(errors.fileFor("test_rule", NOW), file);
    const [line, ...more] = readFileSync(file, "utf8").split("\n");
    assert.deepEqual(more, [""], "one record, one line, newline-terminated");
    const record = JSON.parse(line!) as RuleErrorRecord;
    assert.deepEqual(Object.keys(record), ["ruleName", "topic", "clientId", "base64OriginalPayload", "failures"]);
    assert.equal(record.ruleName, "test_rule");
    assert.equal(record.topic, "dt/aqm/aqm-sim-002/telemetry");
    assert.equal(record.clientId, "aqm-sim-002");
    assert.equal(Buffer.from(record.base64OriginalPayload, "base64").toString("utf8"), "seq=1,pm=3");
    assert.equal(record.failures.length, 1);
    assert.equal(record.failures[0]!.failedAction, "SqlEvaluation");
    assert.equal(record.failures[0]!.failedResource, "test_rule");
    assert.match(record.failures[0]!.errorMessage, /^SELECT \* with other items needs a JSON object payload, but the payload of 10 bytes is not JSON/);
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});

test("a record the local Firehose refuses goes to the error action with Firehose's reason", async () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-rules-"));
  try {
    const firehose = new LocalFirehose({ lakeDir: lake, now: () => NOW });
    const errors = new RecordingErrors();
    const binary = new Uint8Array([0xff, 0xfe, 0x01]);
    const outcome = engine("SELECT * FROM 'dt/#'", firehose, errors).message("dt/aqm/x/telemetry", "x", binary);
    assert.equal(outcome.kind, "failed");
    assert.equal(firehose.rejected, 1);
    assert.deepEqual(errors.records, [
      {
        ruleName: "test_rule",
        topic: "dt/aqm/x/telemetry",
        clientId: "x",
        base64OriginalPayload: "//4B",
        failures: [{ failedAction: "FirehoseAction", failedResource: "aqm-telemetry", errorMessage: "record of 3 bytes is not UTF-8 text" }],
      },
    ]);
    await firehose.close();
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});

test("any action failure is recorded, not lost", () => {
  const errors = new RecordingErrors();
  const outcome = engine(PROJECT_SQL, new RecordingAction(new Error("stream is closed")), errors).message("dt/aqm/a/telemetry", "a", utf8("{}"));
  assert.equal(outcome.kind, "failed");
  assert.equal(errors.records[0]?.failures[0]?.errorMessage, "stream is closed");
});

test("WHERE that is not true delivers nothing and records no error; a disabled rule matches nothing", () => {
  const action = new RecordingAction();
  const errors = new RecordingErrors();
  const filtered = engine("SELECT * FROM 'dt/#' WHERE pm > 10", action, errors);
  assert.deepEqual(filtered.message("dt/a", "a", utf8('{"pm":3}')), { kind: "filtered" });
  assert.deepEqual(filtered.message("dt/a", "a", utf8('{"pm":30}')), { kind: "delivered" });
  assert.deepEqual(action.records, ['{"pm":30}']);
  const disabled = engine("SELECT * FROM 'dt/#'", action, errors, true);
  assert.equal(disabled.matches("dt/a"), false);
  assert.deepEqual(disabled.message("dt/a", "a", utf8('{"pm":30}')), { kind: "not-matched" });
  assert.equal(action.records.length, 1);
  assert.equal(errors.records.length, 0);
});

test("when the error action itself fails, message() throws instead of dropping the message", () => {
  const broken = {
    put: () => {
      throw new Error("disk full");
    },
  };
  assert.throws(() => engine(PROJECT_SQL, new RecordingAction(), broken).message("dt/aqm/a/telemetry", "a", utf8("not json")), { message: "disk full" });
});

test("the local error file's prefix is the one the cloud stack gives the raw bucket's errors, filled in as Firehose does", () => {
  assert.equal(ERROR_PREFIX, "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/");
  assert.equal(renderFirehosePrefix(ERROR_PREFIX, Date.UTC(2026, 0, 2, 3, 4, 5), RULE_ERROR_OUTPUT_TYPE), "errors/iot-rule-error/year=2026/month=01/day=02/");
  assert.throws(
    () => renderFirehosePrefix("raw/!{partitionKeyFromQuery:thing}/", 0),
    /!\{partitionKeyFromQuery:thing\} is not an expression the local Firehose supports/,
  );
});

test("a rule file that is not the 2016-03-23 SQL, or malformed, is refused naming the file", () => {
  assert.throws(() => TopicRule.fromDefinition({ sql: "SELECT * FROM 't'", awsIotSqlVersion: "2015-10-08" }, "r", "old.json"), {
    message: 'rule old.json: "awsIotSqlVersion" is "2015-10-08"; the local rules engine implements 2016-03-23 only',
  });
  assert.throws(() => TopicRule.fromDefinition({ awsIotSqlVersion: "2016-03-23" }, "r", "nosql.json"), {
    message: 'rule nosql.json: "sql" must be a string, found undefined',
  });
  assert.throws(
    () => TopicRule.fromDefinition({ sql: "SELECT * FROM 't'", awsIotSqlVersion: "2016-03-23" }, "bad-name", "r.json"),
    /rule name "bad-name" is not letters, digits and underscores/,
  );
});
