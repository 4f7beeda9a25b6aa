import { test } from "node:test";
import assert from "node:assert/strict";
import { accountArn, logicalId, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const steps = { Prep: stack.prep, Results: stack.results };

test("every Python shell step: Glue 3.0 at a sixteenth of a DPU, 30 minutes at most, after its security configuration", () => {
  const securityConfigurationId = logicalId(stack, stack.catalog.securityConfiguration);
  for (const [name, step] of Object.entries(steps)) {
    const job = resources[logicalId(stack, step.job)]!;
    assert.deepEqual(
      [job.Properties.GlueVersion, job.Properties.MaxCapacity, job.Properties.Timeout, job.Properties.Command.PythonVersion],
      ["3.0", 0.0625, 30, "3.9"],
      name,
    );
    assert.ok((job.DependsOn as string[]).includes(securityConfigurationId), `${name} waits for the security configuration`);
  }
});

test("every Python shell role: assumed by Glue for this account only; the script, its logs and the catalog key beside the step's own grants", () => {
  for (const [name, step] of Object.entries(steps)) {
    const role = resources[logicalId(stack, step.role)]!.Properties;
    assert.deepEqual(role.AssumeRolePolicyDocument.Statement, [
      {
        Action: "sts:AssumeRole",
        Effect: "Allow",
        Principal: { Service: "glue.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      },
    ]);
    const stmts = statementsOfRole(resources, logicalId(stack, step.role));
    assert.deepEqual(stmts[0]!.Resource, stack.resolve(step.script.bucket.arnForObjects(step.script.s3ObjectKey)), `${name} reads its script first`);
    assert.deepEqual(
      statementWith(stmts, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]).Resource,
      accountArn("logs", "log-group:/aws-glue/jobs*"),
    );
    assert.deepEqual(statementWith(stmts, ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]).Resource, stack.resolve(stack.catalog.key.keyArn));
  }
});

test("the shared base keeps each step's construct paths, so a deployed job (a fixed name) is updated in place, not replaced", () => {
  for (const [name, step] of Object.entries(steps)) {
    assert.match(logicalId(stack, step.job), new RegExp(`^${name}Job[0-9A-F]{8}$`));
    assert.match(logicalId(stack, step.role), new RegExp(`^${name}Role[0-9A-F]{8}$`));
  }
});
