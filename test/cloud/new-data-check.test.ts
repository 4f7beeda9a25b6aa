import { test } from "node:test";
import assert from "node:assert/strict";
import { logicalId, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const check = stack.newDataCheck;

test("new-data check: lists the curated telemetry partitions of the preparation's training window, counts skips in aqm/Pipeline", () => {
  const fn = resources[logicalId(stack, check.lambda.function)]!.Properties;
  const curatedId = logicalId(stack, stack.curated.bucket);
  assert.equal(fn.Handler, "new_curated_data.handler");
  const prepArgs = resources[logicalId(stack, stack.prep.job)]!.Properties.DefaultArguments;
  assert.equal(prepArgs["--training_days"], "28");
  assert.deepEqual(fn.Environment.Variables, { BUCKET: { Ref: curatedId }, TELEMETRY_PREFIX: "curated/telemetry/", WINDOW_DAYS: "28" });
  const stmts = statementsOfRole(resources, logicalId(stack, check.lambda.role));
  assert.deepEqual(statementWith(stmts, "s3:ListBucket").Condition, { StringLike: { "s3:prefix": ["curated/telemetry/*"] } });
  assert.deepEqual(statementWith(stmts, "cloudwatch:PutMetricData").Condition, { StringEquals: { "cloudwatch:namespace": "aqm/Pipeline" } });
  assert.equal(stmts.length, 3, "no object is read: only listed");
});
