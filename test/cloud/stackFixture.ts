/**
 * One synthesised stack shared by a test file, built with fixture SQL and named queries so the
 * construct tests do not depend on the contents of cloud/transform/ and cloud/athena/ (the stack
 * test, aqm-stack.test.ts, checks that the real files are the defaults).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { App, type CfnElement } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AqmStack } from "../../cloud/lib/AqmStack.ts";

export const FIXTURE_SQL = fileURLToPath(new URL("./fixtures/transform.sql", import.meta.url));
export const FIXTURE_QUERIES = fileURLToPath(new URL("./fixtures/named-queries.json", import.meta.url));

export type Json = Record<string, any>;

export function synthFixtureStack(): { stack: AqmStack; template: Template; resources: Record<string, Json> } {
  const stack = new AqmStack(new App(), "AqmCloud", { transformSqlFile: FIXTURE_SQL, namedQueriesFile: FIXTURE_QUERIES });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources };
}

/** The logical id CloudFormation gives an L1 resource, or an L2 construct's default resource. */
export function logicalId(stack: AqmStack, construct: IConstruct): string {
  return stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

/** The bucket's policy denies every request that does not come over TLS. */
export function assertTlsOnlyBucket(template: Template, bucketId: string): void {
  template.hasResourceProperties("AWS::S3::BucketPolicy", {
    Bucket: { Ref: bucketId },
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Effect: "Deny",
          Action: "s3:*",
          Principal: { AWS: "*" },
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      ]),
    },
  });
}

/** Every statement of the inline policies attached to the role with this logical id. */
export function statementsOfRole(resources: Record<string, Json>, roleId: string): Json[] {
  const policies = Object.values(resources).filter((r) => r.Type === "AWS::IAM::Policy" && r.Properties.Roles.some((x: Json) => x.Ref === roleId));
  assert.ok(policies.length > 0, `role ${roleId} has an inline policy`);
  const role = resources[roleId]!;
  assert.equal(role.Properties.ManagedPolicyArns, undefined, `role ${roleId} has no managed policies`);
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** The statement granting exactly this action list (order as written in the construct). */
export function statementWith(statements: Json[], actions: string | string[]): Json {
  const found = statements.filter((s) => JSON.stringify(s.Action) === JSON.stringify(actions));
  assert.equal(found.length, 1, `one statement with ${JSON.stringify(actions)}; statements: ${JSON.stringify(statements.map((s) => s.Action))}`);
  return found[0]!;
}

/** `{ Fn::Join: ['', [{ Fn::GetAtt: [bucket, 'Arn'] }, '/prefix*']] }`, as arnForObjects renders. */
export function objectsArn(bucketId: string, pattern: string): Json {
  return { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, `/${pattern}`]] };
}

/** `arn:${Partition}:service:${Region}:${AccountId}:rest`, as Stack.formatArn renders. */
export function accountArn(service: string, rest: string): Json {
  return { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, `:${service}:`, { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, `:${rest}`]] };
}

/** All actions granted anywhere in these statements. */
export function actionsOf(statements: Json[]): string[] {
  return statements.flatMap((s) => [s.Action].flat());
}

/** The state machine definition with every CloudFormation token replaced by a readable placeholder. */
export function definition(resources: Record<string, Json>, smId: string): Json {
  const parts = resources[smId]!.Properties.DefinitionString["Fn::Join"][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === "string" ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`)).join(""));
}

/** Every state by name, including those inside Parallel branches. */
export function allStates(def: Json): Record<string, Json> {
  const out: Record<string, Json> = {};
  const walk = (states: Record<string, Json>) => {
    for (const [name, s] of Object.entries(states)) {
      out[name] = s;
      for (const b of s.Branches ?? []) walk(b.States);
    }
  };
  walk(def.States);
  return out;
}
