import { test } from "node:test";
import assert from "node:assert/strict";
import { accountArn, logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const rawId = logicalId(stack, stack.ingest.rawBucket);
const keyId = logicalId(stack, stack.catalog.key);
const one = (type: string) => {
  const all = Object.values(resources).filter((r) => r.Type === type);
  assert.equal(all.length, 1, type);
  return all[0]!.Properties;
};

test("Glue database aqm in this account's catalog", () => {
  const db = one("AWS::Glue::Database");
  assert.deepEqual(db.CatalogId, { Ref: "AWS::AccountId" });
  assert.equal(db.DatabaseInput.Name, "aqm");
});

test("crawler: the raw prefix only, new folders only, schema changes logged not applied, encrypted logs", () => {
  const c = one("AWS::Glue::Crawler");
  assert.equal(c.DatabaseName, "aqm");
  assert.deepEqual(c.Targets, { S3Targets: [{ Path: { "Fn::Join": ["", ["s3://", { Ref: rawId }, "/raw/"]] } }] });
  assert.deepEqual(c.RecrawlPolicy, { RecrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY" });
  assert.deepEqual(c.SchemaChangePolicy, { UpdateBehavior: "LOG", DeleteBehavior: "LOG" });
  assert.equal(c.CrawlerSecurityConfiguration, "aqm-glue-security");
  assert.deepEqual(c.Role, { "Fn::GetAtt": [logicalId(stack, stack.catalog.crawlerRole), "Arn"] });
});

test("security configuration: KMS for CloudWatch logs and job bookmarks (rotating key), SSE-S3 for data", () => {
  const sc = one("AWS::Glue::SecurityConfiguration");
  const keyArn = { "Fn::GetAtt": [keyId, "Arn"] };
  assert.deepEqual(sc.EncryptionConfiguration, {
    CloudWatchEncryption: { CloudWatchEncryptionMode: "SSE-KMS", KmsKeyArn: keyArn },
    JobBookmarksEncryption: { JobBookmarksEncryptionMode: "CSE-KMS", KmsKeyArn: keyArn },
    S3Encryptions: [{ S3EncryptionMode: "SSE-S3" }],
  });
  assert.equal(resources[keyId]!.Properties.EnableKeyRotation, true);
  const logsStmt = (resources[keyId]!.Properties.KeyPolicy.Statement as any[]).find((s) => JSON.stringify(s.Principal).includes("logs."));
  assert.deepEqual(logsStmt.Condition, { ArnLike: { "kms:EncryptionContext:aws:logs:arn": accountArn("logs", "log-group:/aws-glue/*") } });
});

test("crawler role: read raw/ only, this database only, its own log groups, the Glue key", () => {
  const stmts = statementsOfRole(resources, logicalId(stack, stack.catalog.crawlerRole));
  assert.equal(stmts.length, 5);
  assert.deepEqual(statementWith(stmts, "s3:GetObject").Resource, objectsArn(rawId, "raw/*"));
  const list = statementWith(stmts, "s3:ListBucket");
  assert.deepEqual(list.Resource, { "Fn::GetAtt": [rawId, "Arn"] });
  assert.deepEqual(list.Condition, { StringLike: { "s3:prefix": ["raw/*", "raw/"] } });
  const glue = stmts.find((s) => String(s.Action[0]).startsWith("glue:"))!;
  assert.ok(!glue.Action.some((a: string) => /Delete|\*/.test(a)), "no deletes, no wildcards");
  assert.deepEqual(glue.Resource, [accountArn("glue", "catalog"), accountArn("glue", "database/aqm"), accountArn("glue", "table/aqm/*")]);
  assert.deepEqual(
    statementWith(stmts, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]).Resource,
    accountArn("logs", "log-group:/aws-glue/crawlers*"),
  );
  assert.deepEqual(statementWith(stmts, ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]).Resource, { "Fn::GetAtt": [keyId, "Arn"] });
  assert.equal(
    resources[logicalId(stack, stack.catalog.crawlerRole)]!.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service,
    "glue.amazonaws.com",
  );
});
