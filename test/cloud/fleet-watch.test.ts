import { test } from "node:test";
import assert from "node:assert/strict";
import { accountArn, logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const watch = stack.fleetWatch;
const topic = { Ref: logicalId(stack, stack.pipeline.topic) };

test("fleet silence: no telemetry rule match for 15 minutes alarms, and no data at all counts as breaching", () => {
  const alarm = resources[logicalId(stack, watch.fleetSilenceAlarm)]!.Properties;
  assert.deepEqual(
    [alarm.Namespace, alarm.MetricName, alarm.Dimensions, alarm.Statistic, alarm.Period],
    ["AWS/IoT", "TopicMatch", [{ Name: "RuleName", Value: { Ref: logicalId(stack, stack.ingest.rule) } }], "Sum", 300],
  );
  assert.deepEqual([alarm.Threshold, alarm.ComparisonOperator, alarm.EvaluationPeriods], [1, "LessThanThreshold", 3]);
  assert.equal(alarm.TreatMissingData, "breaching");
  assert.deepEqual([alarm.AlarmActions, alarm.OKActions], [[topic], [topic]]);
});

test("board silence watcher: every 5 minutes, told where the raw objects, its state and the alarm topic are", () => {
  const fn = resources[logicalId(stack, watch.watcher.function)]!.Properties;
  assert.equal(fn.Handler, "board_silence.handler");
  assert.deepEqual(fn.Environment.Variables, {
    RAW_BUCKET: { Ref: logicalId(stack, stack.ingest.rawBucket) },
    RAW_PREFIX: "raw/",
    STATE_BUCKET: { Ref: logicalId(stack, stack.curated.bucket) },
    STATE_KEY: "ops/board-silence.json",
    ALARM_TOPIC_ARN: topic,
  });
  const rule = resources[logicalId(stack, watch.schedule)]!.Properties;
  assert.equal(rule.ScheduleExpression, "rate(5 minutes)");
  assert.deepEqual(rule.Targets[0].Arn, { "Fn::GetAtt": [logicalId(stack, watch.watcher.function), "Arn"] });
});

test("watcher role: read raw/, its one state object, metrics in its two namespaces, and alarms named aqm-board-silent-* only", () => {
  const stmts = statementsOfRole(resources, logicalId(stack, watch.watcher.role));
  const rawId = logicalId(stack, stack.ingest.rawBucket);
  const curatedId = logicalId(stack, stack.curated.bucket);
  assert.deepEqual(statementWith(stmts, "s3:GetObject").Resource, objectsArn(rawId, "raw/*"));
  assert.deepEqual(statementWith(stmts, ["s3:GetObject", "s3:PutObject"]).Resource, objectsArn(curatedId, "ops/board-silence.json"));
  assert.deepEqual(statementWith(stmts, "cloudwatch:PutMetricData").Condition, { StringEquals: { "cloudwatch:namespace": ["aqm/Boards", "aqm/Fleet"] } });
  assert.deepEqual(statementWith(stmts, "cloudwatch:PutMetricAlarm").Resource, accountArn("cloudwatch", "alarm:aqm-board-silent-*"));
  assert.equal(stmts.length, 7);
});
