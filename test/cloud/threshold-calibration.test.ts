import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Stage } from "aws-cdk-lib";
import type { Asset } from "aws-cdk-lib/aws-s3-assets";
import { CALIBRATION_CODE_DIR } from "../../cloud/lib/ThresholdCalibration.ts";
import { DEFAULT_SCORER_CONFIG } from "../../firmware/anomaly/ScorerConfig.ts";
import { accountArn, logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const cal = stack.calibration;
const fn = resources[logicalId(stack, cal.function)]!.Properties;
const curatedId = logicalId(stack, stack.curated.bucket);

test("calibration function: Python handler from cloud/lambda, the IoT data endpoint and the knee its threshold table was made for", () => {
  assert.equal(fn.Handler, "calibrate_thresholds.handler");
  assert.match(fn.Runtime, /^python3\.\d+$/);
  assert.deepEqual(
    readdirSync(CALIBRATION_CODE_DIR)
      .filter((f) => !f.startsWith("."))
      .sort(),
    ["calibrate_thresholds.py", "threshold_table.json"],
  );
  assert.equal(fn.Environment.Variables.KNEE, String(JSON.parse(readFileSync(join(CALIBRATION_CODE_DIR, "threshold_table.json"), "utf8")).config.knee));
  assert.equal(fn.Environment.Variables.KNEE, String(DEFAULT_SCORER_CONFIG.knee));
  assert.deepEqual(fn.Environment.Variables.IOT_DATA_ENDPOINT, {
    "Fn::GetAtt": [logicalId(stack, stack.iotEndpoint.node.findChild("Describe")), "endpointAddress"],
  });
  assert.equal(fn.Timeout, 300);
  assert.deepEqual(fn.LoggingConfig, { LogGroup: { Ref: logicalId(stack, cal.logGroup) } });
});

test("calibration code asset: the handler and the threshold table it loads from beside itself, as staged for upload", () => {
  const asset = cal.function.node.findChild("Code") as Asset;
  const staged = join(Stage.of(asset)!.assetOutdir, asset.assetPath);
  assert.deepEqual(readdirSync(staged).sort(), ["calibrate_thresholds.py", "threshold_table.json"]);
  assert.equal(readFileSync(join(staged, "threshold_table.json"), "utf8"), readFileSync(join(CALIBRATION_CODE_DIR, "threshold_table.json"), "utf8"));
});

test("calibration role: its own log group, read RCF output, update shadows and nothing else on IoT", () => {
  const stmts = statementsOfRole(resources, logicalId(stack, cal.role));
  assert.equal(stmts.length, 4);
  assert.deepEqual(statementWith(stmts, ["logs:CreateLogStream", "logs:PutLogEvents"]).Resource, { "Fn::GetAtt": [logicalId(stack, cal.logGroup), "Arn"] });
  assert.deepEqual(statementWith(stmts, "s3:GetObject").Resource, objectsArn(curatedId, "ml/output/*"));
  const list = statementWith(stmts, "s3:ListBucket");
  assert.deepEqual([list.Resource, list.Condition], [{ "Fn::GetAtt": [curatedId, "Arn"] }, { StringLike: { "s3:prefix": ["ml/output/*"] } }]);
  assert.deepEqual(statementWith(stmts, "iot:UpdateThingShadow").Resource, accountArn("iot", "thing/*"));
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
