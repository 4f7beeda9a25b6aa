import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Stage } from "aws-cdk-lib";
import type { Asset } from "aws-cdk-lib/aws-s3-assets";
import { CALIBRATION_CODE_DIR, CALIBRATION_FILES } from "../../cloud/lib/ThresholdCalibration.ts";
import { DEFAULT_SCORER_CONFIG } from "../../firmware/anomaly/ScorerConfig.ts";
import { accountArn, logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const cal = stack.calibration;
const fn = resources[logicalId(stack, cal.function)]!.Properties;
const curatedId = logicalId(stack, stack.curated.bucket);

test("calibration function: the quality gate's handler from cloud/lambda, the IoT data endpoint, the knee its threshold table was made for, the factor limit", () => {
  assert.equal(fn.Handler, "quality_gate.handler");
  assert.equal(fn.Environment.Variables.MAX_FACTOR, "2");
  assert.match(fn.Runtime, /^python3\.\d+$/);
  assert.deepEqual(
    readdirSync(CALIBRATION_CODE_DIR, { withFileTypes: true })
      .filter((f) => f.isFile() && !f.name.startsWith("."))
      .map((f) => f.name)
      .sort(),
    [...CALIBRATION_FILES],
  );
  assert.equal(fn.Environment.Variables.KNEE, String(JSON.parse(readFileSync(join(CALIBRATION_CODE_DIR, "threshold_table.json"), "utf8")).config.knee));
  assert.equal(fn.Environment.Variables.KNEE, String(DEFAULT_SCORER_CONFIG.knee));
  assert.deepEqual(fn.Environment.Variables.IOT_DATA_ENDPOINT, {
    "Fn::GetAtt": [logicalId(stack, stack.iotEndpoint.node.findChild("Describe")), "endpointAddress"],
  });
  assert.equal(fn.Timeout, 300);
  assert.deepEqual(fn.LoggingConfig, { LogGroup: { Ref: logicalId(stack, cal.logGroup) } });
});

test("calibration code asset: the handler, the calibration maths and the threshold table, as staged for upload; not the other functions' folders", () => {
  const asset = cal.function.node.findChild("Code") as Asset;
  const staged = join(Stage.of(asset)!.assetOutdir, asset.assetPath);
  assert.deepEqual(readdirSync(staged).sort(), ["calibrate_thresholds.py", "quality_gate.py", "threshold_table.json"]);
  assert.equal(readFileSync(join(staged, "threshold_table.json"), "utf8"), readFileSync(join(CALIBRATION_CODE_DIR, "threshold_table.json"), "utf8"));
});

test("calibration role: its own log group, read RCF output, read and write the accepted thresholds, count in aqm/Pipeline, read and update shadows and nothing else on IoT", () => {
  const stmts = statementsOfRole(resources, logicalId(stack, cal.role));
  assert.equal(stmts.length, 6);
  assert.deepEqual(statementWith(stmts, ["logs:CreateLogStream", "logs:PutLogEvents"]).Resource, { "Fn::GetAtt": [logicalId(stack, cal.logGroup), "Arn"] });
  assert.deepEqual(statementWith(stmts, "s3:GetObject").Resource, objectsArn(curatedId, "ml/output/*"));
  const list = statementWith(stmts, "s3:ListBucket");
  assert.deepEqual(
    [list.Resource, list.Condition],
    [{ "Fn::GetAtt": [curatedId, "Arn"] }, { StringLike: { "s3:prefix": ["ml/output/*", "ml/accepted/thresholds.json"] } }],
  );
  assert.deepEqual(statementWith(stmts, ["s3:GetObject", "s3:PutObject"]).Resource, objectsArn(curatedId, "ml/accepted/thresholds.json"));
  const metrics = statementWith(stmts, "cloudwatch:PutMetricData");
  assert.deepEqual([metrics.Resource, metrics.Condition], ["*", { StringEquals: { "cloudwatch:namespace": "aqm/Pipeline" } }]);
  assert.deepEqual(statementWith(stmts, ["iot:GetThingShadow", "iot:UpdateThingShadow"]).Resource, accountArn("iot", "thing/*"));
});

test("IoT endpoint lookup: iot:DescribeEndpoint for the ATS data endpoint, no SDK download at deploy time", () => {
  const cr = resources[logicalId(stack, stack.iotEndpoint.node.findChild("Describe"))]!.Properties;
  const create = JSON.parse(cr.Create["Fn::Join"] ? cr.Create["Fn::Join"][1].join("") : cr.Create);
  assert.deepEqual([create.service, create.action, create.parameters], ["Iot", "describeEndpoint", { endpointType: "iot:Data-ATS" }]);
  assert.equal(cr.InstallLatestAwsSdk, false);
  const policy = Object.values(resources).find(
    (r) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties.PolicyDocument).includes("iot:DescribeEndpoint"),
  )!;
  assert.deepEqual(policy.Properties.PolicyDocument.Statement, [{ Action: "iot:DescribeEndpoint", Effect: "Allow", Resource: "*" }]);
});
