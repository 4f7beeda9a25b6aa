import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { buildApp } from "../../cloud/lib/app.ts";
import { DEVICE_POLICY_FILE, TELEMETRY_RULE_FILE, TELEMETRY_RULE_NAME } from "../../cloud/lib/iotFiles.ts";
import { TRANSFORM_SQL_FILE } from "../../cloud/lib/transformFiles.ts";
import { loadNamedQueries, NAMED_QUERIES_FILE } from "../../cloud/lib/namedQueries.ts";
import { join } from "node:path";
import { assertTlsOnlyBucket } from "./stackFixture.ts";

// Until cloud/transform/ and cloud/athena/ land, the stack is checked with the fixtures standing in for them.
const { app, stack, nag } = buildApp(new App());
const template = Template.fromStack(stack);
const policyFile = JSON.parse(readFileSync(DEVICE_POLICY_FILE, "utf8"));
const ruleFile = JSON.parse(readFileSync(TELEMETRY_RULE_FILE, "utf8"));

const arn = (suffix: string) => ({
  "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iot:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, `:${suffix}`]],
});
const THING = "${iot:Connection.Thing.ThingName}";

/** The telemetry rule, by the name the local IoT Core also uses (the alert rules are the others). */
function telemetryRule(): Record<string, any> {
  const all = Object.values(template.findResources("AWS::IoT::TopicRule", { Properties: { RuleName: TELEMETRY_RULE_NAME } }));
  assert.equal(all.length, 1, `exactly one topic rule named ${TELEMETRY_RULE_NAME}`);
  return all[0]!;
}

function onlyResource(type: string): Record<string, any> {
  const all = Object.values(template.findResources(type));
  assert.equal(all.length, 1, `exactly one ${type}`);
  return all[0]!;
}

test("device policy: statement by statement, resources scoped to the connected thing, in the stack's partition", () => {
  const doc = onlyResource("AWS::IoT::Policy").Properties.PolicyDocument;
  const stmts = doc.Statement as any[];
  assert.deepEqual(
    stmts.map((s) => s.Action),
    ["iot:Connect", "iot:Publish", "iot:Subscribe", "iot:Receive"],
  );
  assert.ok(stmts.every((s) => s.Effect === "Allow"));
  assert.deepEqual(stmts[0].Resource, arn(`client/${THING}`));
  assert.deepEqual(stmts[0].Condition, { Bool: { "iot:Connection.Thing.IsAttached": "true" } });
  assert.deepEqual(stmts[1].Resource, [arn(`topic/dt/aqm/${THING}/*`), arn(`topic/$aws/things/${THING}/shadow/*`)]);
  assert.deepEqual(stmts[2].Resource, [arn(`topicfilter/cmd/aqm/${THING}/*`), arn(`topicfilter/$aws/things/${THING}/shadow/*`)]);
  assert.deepEqual(stmts[3].Resource, [arn(`topic/cmd/aqm/${THING}/*`), arn(`topic/$aws/things/${THING}/shadow/*`)]);
  const text = JSON.stringify(doc);
  assert.ok(!text.includes('"*"') && !text.includes("iot:*"), "no wildcard actions or resources");
});

test("policy and rule are read from the cloud/iot/*.json files (the same files)", () => {
  for (const file of [DEVICE_POLICY_FILE, TELEMETRY_RULE_FILE]) assert.ok(existsSync(file), `${file} exists`);
  const doc = onlyResource("AWS::IoT::Policy").Properties.PolicyDocument;
  assert.equal(doc.Statement.length, policyFile.Statement.length);
  doc.Statement.forEach((s: any, i: number) => {
    assert.equal(s.Sid, policyFile.Statement[i].Sid);
    assert.deepEqual(s.Action, policyFile.Statement[i].Action);
  });
  const rule = telemetryRule().Properties.TopicRulePayload;
  assert.equal(rule.Sql, ruleFile.sql);
  assert.equal(rule.Sql, "SELECT *, topic(3) AS topic_thing, timestamp() AS received_at FROM 'dt/aqm/+/telemetry'");
  assert.equal(rule.AwsIotSqlVersion, "2016-03-23");
  assert.equal(telemetryRule().Properties.RuleName, TELEMETRY_RULE_NAME, "the name the local IoT Core gives its error records");
});

test("topic rule: Firehose action without batch mode, newline separator, CloudWatch error action", () => {
  template.hasResourceProperties("AWS::IoT::TopicRule", {
    RuleName: TELEMETRY_RULE_NAME,
    TopicRulePayload: {
      Actions: [{ Firehose: { BatchMode: false, Separator: "\n", DeliveryStreamName: { Ref: Match.anyValue() } } }],
      ErrorAction: { CloudwatchLogs: { LogGroupName: { Ref: Match.anyValue() } } },
    },
  });
});

test("raw bucket: encrypted, public access blocked, lifecycle to IA and Glacier, TLS-only policy", () => {
  const buckets = template.findResources("AWS::S3::Bucket", {
    Properties: { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: "tiering" })]) } },
  });
  const [rawId, raw] = Object.entries(buckets)[0]!;
  const p = raw.Properties;
  assert.equal(p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, "AES256");
  assert.deepEqual(p.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
  assert.deepEqual(
    p.LifecycleConfiguration.Rules.find((r: any) => r.Id === "tiering").Transitions.map((t: any) => t.StorageClass),
    ["STANDARD_IA", "GLACIER"],
  );
  assertTlsOnlyBucket(template, rawId);
});

test("Firehose: raw/ time-based prefix, errors/ prefix, 60 s / 5 MiB buffering", () => {
  const cfg = onlyResource("AWS::KinesisFirehose::DeliveryStream").Properties.ExtendedS3DestinationConfiguration;
  assert.match(cfg.Prefix, /^raw\/year=!\{timestamp:yyyy\}\/month=!\{timestamp:MM\}\/day=!\{timestamp:dd\}\/hour=!\{timestamp:HH\}\/$/);
  assert.match(cfg.ErrorOutputPrefix, /^errors\/!\{firehose:error-output-type\}\//);
  assert.deepEqual(cfg.BufferingHints, { IntervalInSeconds: 60, SizeInMBs: 5 });
});

test("rule role can only PutRecord/PutRecordBatch on that stream (plus writing its error log group)", () => {
  const rule = telemetryRule().Properties.TopicRulePayload;
  const roleId = rule.Actions[0].Firehose.RoleArn["Fn::GetAtt"][0];
  const streamId = Object.keys(template.findResources("AWS::KinesisFirehose::DeliveryStream"))[0]!;
  const policies = Object.values(template.findResources("AWS::IAM::Policy")).filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
  assert.equal(policies.length, 1);
  const stmts = (policies[0] as any).Properties.PolicyDocument.Statement;
  const firehoseStmts = stmts.filter((s: any) => JSON.stringify(s.Action).includes("firehose:"));
  assert.deepEqual(firehoseStmts, [
    { Effect: "Allow", Action: ["firehose:PutRecord", "firehose:PutRecordBatch"], Resource: { "Fn::GetAtt": [streamId, "Arn"] } },
  ]);
  for (const s of stmts)
    for (const a of [s.Action].flat()) assert.ok(["firehose:PutRecord", "firehose:PutRecordBatch", "logs:CreateLogStream", "logs:PutLogEvents"].includes(a), a);
  const role = template.toJSON().Resources[roleId];
  assert.equal(role.Properties.ManagedPolicyArns, undefined);
  assert.equal(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service, "iot.amazonaws.com");
});

test("operations: alarms on rule failures, delivery failures, pipeline failures and time-outs, all notifying the pipeline topic", () => {
  const topic = { Ref: stack.getLogicalId(stack.pipeline.topic.node.defaultChild as any) };
  const sm = { Ref: stack.getLogicalId(stack.pipeline.stateMachine.node.defaultChild as any) };
  template.hasResourceProperties("AWS::CloudWatch::Alarm", { Namespace: "AWS/IoT", MetricName: "Failure", AlarmActions: [topic] });
  template.hasResourceProperties("AWS::CloudWatch::Alarm", { Namespace: "AWS/Firehose", MetricName: "DeliveryToS3.Success", AlarmActions: [topic] });
  for (const metric of ["ExecutionsFailed", "ExecutionsTimedOut"]) {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/States",
      MetricName: metric,
      Dimensions: [{ Name: "StateMachineArn", Value: sm }],
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [topic],
    });
  }
  // And the fleet silence alarm (fleet-watch.test.ts): per-board alarms are made at run time by the watcher.
  assert.equal(Object.keys(template.findResources("AWS::CloudWatch::Alarm")).length, 5);
});

test("outputs the host tools read: IoT endpoint, policy, buckets, Glue database, Athena workgroup, state machine, topic", () => {
  const outputs = template.toJSON().Outputs;
  const endpointId = stack.getLogicalId(stack.iotEndpoint.node.findChild("Describe").node.defaultChild as any);
  assert.deepEqual(outputs.IotEndpoint.Value, { "Fn::GetAtt": [endpointId, "endpointAddress"] });
  assert.deepEqual(outputs.DevicePolicyName.Value, { Ref: stack.getLogicalId(stack.fleet.policy) });
  assert.deepEqual(outputs.RawBucketName.Value, { Ref: stack.getLogicalId(stack.ingest.rawBucket.node.defaultChild as any) });
  assert.deepEqual(outputs.CuratedBucketName.Value, { Ref: stack.getLogicalId(stack.curated.bucket.node.defaultChild as any) });
  assert.equal(outputs.GlueDatabaseName.Value, "aqm");
  assert.equal(outputs.AthenaWorkGroupName.Value, "aqm");
  assert.deepEqual(outputs.StateMachineArn.Value, { Ref: stack.getLogicalId(stack.pipeline.stateMachine.node.defaultChild as any) });
  assert.deepEqual(outputs.NotificationTopicArn.Value, { Ref: stack.getLogicalId(stack.pipeline.topic.node.defaultChild as any) });
});

test("the stack ships the shared transformation SQL and loads the shared named queries by default", () => {
  for (const file of [TRANSFORM_SQL_FILE, NAMED_QUERIES_FILE]) assert.ok(existsSync(file), `${file} exists`);
  const staged = readFileSync(join(app.outdir, stack.etl.transformSql.assetPath), "utf8");
  assert.equal(staged, readFileSync(TRANSFORM_SQL_FILE, "utf8"));
  const queries = Object.values(template.findResources("AWS::Athena::NamedQuery")).map((q: any) => q.Properties.Name);
  assert.deepEqual(
    queries,
    loadNamedQueries().map((q) => q.name),
  );
});

test("cdk-nag AwsSolutions: no unacknowledged findings; every acknowledgement carries a reason", () => {
  const report = nag.validateScope(app);
  const found = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r: any) => r.constructPath ?? r.resourceLogicalId).join(", ")}`);
  assert.deepEqual(found, [], found.join("\n"));
  let acks = 0;
  for (const c of app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== "aws:cdk:acknowledged-rules") continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, unknown>)) {
        acks++;
        assert.ok(typeof reason === "string" && reason.length >= 20, `acknowledgement ${id} needs a reason`);
      }
    }
  }
  assert.ok(acks > 0);
});

test("cdk-nag negative control: an unacknowledged finding is reported", async () => {
  const { Stack } = await import("aws-cdk-lib");
  const s3 = await import("aws-cdk-lib/aws-s3");
  const { AwsSolutionsChecks } = await import("cdk-nag");
  const bad = new App();
  new s3.Bucket(new Stack(bad, "Bad"), "Plain");
  const ids = new AwsSolutionsChecks(bad).validateScope(bad).violations.map((v) => v.ruleName);
  assert.ok(ids.includes("AwsSolutions-S10"), ids.join(","));
});
