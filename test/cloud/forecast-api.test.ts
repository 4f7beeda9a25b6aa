import { test } from "node:test";
import assert from "node:assert/strict";
import { logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources, template } = synthFixtureStack();
const api = stack.forecastApi;

test("forecast API: a function URL that only IAM-signed requests reach, and its address as a stack output", () => {
  const url = Object.values(resources).find((r) => r.Type === "AWS::Lambda::Url")!.Properties;
  assert.equal(url.AuthType, "AWS_IAM");
  assert.deepEqual(url.TargetFunctionArn, { "Fn::GetAtt": [logicalId(stack, api.lambda.function), "Arn"] });
  assert.ok(template.toJSON().Outputs.ForecastApiUrl);
});

test("forecast API function: reads serving/forecasts/ of the curated bucket and nothing else", () => {
  const fn = resources[logicalId(stack, api.lambda.function)]!.Properties;
  const curatedId = logicalId(stack, stack.curated.bucket);
  assert.equal(fn.Handler, "forecast_api.handler");
  assert.deepEqual(fn.Environment.Variables, { BUCKET: { Ref: curatedId }, SERVING_PREFIX: "serving/forecasts/" });
  const stmts = statementsOfRole(resources, logicalId(stack, api.lambda.role));
  assert.deepEqual(statementWith(stmts, "s3:GetObject").Resource, objectsArn(curatedId, "serving/forecasts/*"));
  assert.deepEqual(statementWith(stmts, "s3:ListBucket").Condition, { StringLike: { "s3:prefix": ["serving/forecasts/*"] } });
  assert.equal(stmts.length, 3);
});
