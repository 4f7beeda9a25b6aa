import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "aws-cdk-lib";
import { PREPARE_SCRIPT_FILE } from "../../cloud/lib/ModelDataPrep.ts";
import { accountArn, logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const prep = stack.prep;
const job = resources[logicalId(stack, prep.job)]!.Properties;
const curatedId = logicalId(stack, stack.curated.bucket);

test("data-preparation job: Glue Python shell 3.9 with the analytics library set, script from cloud/sagemaker as an asset", () => {
  assert.equal(job.Name, "aqm-prepare-training-data");
  assert.equal(job.Command.Name, "pythonshell");
  assert.equal(job.Command.PythonVersion, "3.9");
  assert.deepEqual(job.Command.ScriptLocation, stack.resolve(prep.script.s3ObjectUrl));
  assert.equal(readFileSync(join((stack.node.root as App).outdir, prep.script.assetPath), "utf8"), readFileSync(PREPARE_SCRIPT_FILE, "utf8"));
  assert.equal(job.DefaultArguments["library-set"], "analytics");
  assert.deepEqual(job.DefaultArguments["--bucket"], { Ref: curatedId });
  assert.equal(job.DefaultArguments["--curated_prefix"], "curated/telemetry/");
  // Where the run's files go is the state machine's to say, per run (analytics-pipeline.test.ts).
  assert.ok(!Object.keys(job.DefaultArguments).some((k) => k.startsWith("--ml_")), Object.keys(job.DefaultArguments).join(", "));
  assert.equal(job.DefaultArguments["--training_days"], "28");
  assert.equal(job.SecurityConfiguration, "aqm-glue-security");
});

test("data-preparation role: reads curated/telemetry, writes ml/input only", () => {
  const stmts = statementsOfRole(resources, logicalId(stack, prep.role));
  assert.equal(stmts.length, 6);
  const gets = stmts.filter((s) => s.Action === "s3:GetObject").map((s) => s.Resource);
  assert.deepEqual(gets, [stack.resolve(prep.script.bucket.arnForObjects(prep.script.s3ObjectKey)), objectsArn(curatedId, "curated/telemetry/*")]);
  assert.deepEqual(statementWith(stmts, "s3:PutObject").Resource, objectsArn(curatedId, "ml/input/*"));
  const list = statementWith(stmts, "s3:ListBucket");
  assert.deepEqual([list.Resource, list.Condition], [{ "Fn::GetAtt": [curatedId, "Arn"] }, { StringLike: { "s3:prefix": ["curated/telemetry/*"] } }]);
  assert.deepEqual(
    statementWith(stmts, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]).Resource,
    accountArn("logs", "log-group:/aws-glue/jobs*"),
  );
  assert.deepEqual(statementWith(stmts, ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]).Resource, {
    "Fn::GetAtt": [logicalId(stack, stack.catalog.key), "Arn"],
  });
});
