import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SCORER_CONFIG } from "../../firmware/anomaly/ScorerConfig.ts";
import { loadPollutantLimits } from "../../cloud/lib/pollutantLimits.ts";
import { logicalId, statementsOfRole, synthFixtureStack, type Json } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const alerts = stack.alerts;
const topicId = logicalId(stack, alerts.topic);
const rules = Object.fromEntries(Object.entries(alerts.rules).map(([channel, rule]) => [channel, resources[logicalId(stack, rule)]!.Properties as Json]));

test("one rule per WHO 2021 guideline and one for flagged anomalies, each publishing RAW to the alert topic with its role", () => {
  assert.deepEqual(Object.keys(rules).sort(), [...loadPollutantLimits().map((l) => l.channel), "anomaly"].sort());
  for (const [channel, rule] of Object.entries(rules)) {
    assert.equal(rule.RuleName, `aqm_alert_${channel}`);
    assert.equal(rule.TopicRulePayload.AwsIotSqlVersion, "2016-03-23");
    assert.deepEqual(rule.TopicRulePayload.Actions, [
      { Sns: { TargetArn: { Ref: topicId }, RoleArn: { "Fn::GetAtt": [logicalId(stack, alerts.role), "Arn"] }, MessageFormat: "RAW" } },
    ]);
  }
});

test("a limit rule names the thing (from the topic) and its channel, and fires above the level in the board's unit", () => {
  assert.equal(
    rules.pm2_5_ugm3!.TopicRulePayload.Sql,
    "SELECT topic(3) AS thing, 'pm2_5_ugm3' AS channel, pm2_5_ugm3 AS value, 'µg/m³' AS unit, 15 AS guideline_level, 24 AS guideline_hours, " +
      "'WHO 2021 PM2.5' AS guideline, ts, interval_s FROM 'dt/aqm/+/telemetry' WHERE pm2_5_ugm3 > 15",
  );
  // 100 µg/m³ of ozone over 8 hours is 50.94 ppb at 25 °C.
  assert.match(rules.o3_ppb!.TopicRulePayload.Sql, /'ppb' AS unit, 50\.94 AS guideline_level, 8 AS guideline_hours, .* WHERE o3_ppb > 50\.94$/);
  const threshold = String(DEFAULT_SCORER_CONFIG.threshold);
  const sql = rules.anomaly!.TopicRulePayload.Sql as string;
  assert.ok(sql.startsWith(`SELECT topic(3) AS thing, 'anomaly' AS channel, anomaly AS value, ${threshold} AS threshold, `), sql);
  assert.match(sql, /pm2_5_ugm3/);
  assert.ok(sql.endsWith(` WHERE anomaly >= ${threshold}`), sql);
});

test("alert topic: KMS with a rotating key, TLS-only; the rules' role may publish to it and use the key, nothing else", () => {
  const topic = resources[topicId]!.Properties;
  const keyId = logicalId(stack, alerts.topicKey);
  assert.deepEqual(topic.KmsMasterKeyId, { "Fn::GetAtt": [keyId, "Arn"] });
  assert.equal(resources[keyId]!.Properties.EnableKeyRotation, true);
  const policy = Object.values(resources).find((r) => r.Type === "AWS::SNS::TopicPolicy" && r.Properties.Topics[0].Ref === topicId)!;
  assert.deepEqual(policy.Properties.PolicyDocument.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
  const roleId = logicalId(stack, alerts.role);
  assert.equal(resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service, "iot.amazonaws.com");
  assert.deepEqual(statementsOfRole(resources, roleId), [
    { Action: "sns:Publish", Effect: "Allow", Resource: { Ref: topicId } },
    { Action: ["kms:Decrypt", "kms:GenerateDataKey"], Effect: "Allow", Resource: { "Fn::GetAtt": [keyId, "Arn"] } },
  ]);
});
