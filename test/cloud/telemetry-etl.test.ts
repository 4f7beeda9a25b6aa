import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "aws-cdk-lib";
import { ETL_SCRIPT_FILE, ETL_TRANSFORM_MODULE_FILE } from "../../cloud/lib/TelemetryEtl.ts";
import { telemetryRanges } from "../../cloud/lib/transformFiles.ts";
import { accountArn, actionsOf, FIXTURE_SQL, logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const etl = stack.etl;
const job = resources[logicalId(stack, etl.job)]!.Properties;
const rawId = logicalId(stack, stack.ingest.rawBucket);
const curatedId = logicalId(stack, stack.curated.bucket);
const staged = (assetPath: string) => readFileSync(join((stack.node.root as App).outdir, assetPath), "utf8");
const s3Url = (bucketId: string, key: string) => ({ "Fn::Join": ["", ["s3://", { Ref: bucketId }, `/${key}`]] });

test("ETL job: Glue 5 Spark, G.1X, one run at a time, security configuration, script shipped as an asset", () => {
  assert.equal(job.Name, "aqm-telemetry-etl");
  assert.deepEqual({ ...job.Command, ScriptLocation: undefined }, { Name: "glueetl", PythonVersion: "3", ScriptLocation: undefined });
  assert.deepEqual(job.Command.ScriptLocation, stack.resolve(etl.script.s3ObjectUrl));
  assert.equal(staged(etl.script.assetPath), readFileSync(ETL_SCRIPT_FILE, "utf8"));
  assert.equal(job.GlueVersion, "5.0");
  assert.equal(job.WorkerType, "G.1X");
  assert.equal(job.NumberOfWorkers, 2);
  assert.deepEqual(job.ExecutionProperty, { MaxConcurrentRuns: 1 });
  assert.equal(job.SecurityConfiguration, "aqm-glue-security");
  assert.deepEqual(job.Role, { "Fn::GetAtt": [logicalId(stack, etl.role), "Arn"] });
});

test("ETL job: the shared SQL file is shipped unchanged and passed as --transform_sql_uri", () => {
  const args = job.DefaultArguments;
  assert.deepEqual(args["--transform_sql_uri"], stack.resolve(etl.transformSql.s3ObjectUrl));
  assert.match(etl.transformSql.s3ObjectKey, /\.sql$/);
  assert.equal(staged(etl.transformSql.assetPath), readFileSync(FIXTURE_SQL, "utf8"));
});

test("ETL job: input, output, quarantine and temp locations; catalog table; the channels' ranges; the transformation module on the Python path", () => {
  const args = job.DefaultArguments;
  assert.deepEqual(args["--raw_uri"], s3Url(rawId, "raw/"));
  assert.deepEqual(args["--curated_uri"], s3Url(curatedId, "curated/telemetry/"));
  assert.deepEqual(args["--quarantine_uri"], s3Url(curatedId, "quarantine/"));
  assert.deepEqual(args["--TempDir"], s3Url(curatedId, "glue-temp/"));
  assert.equal(args["--database"], "aqm");
  assert.equal(args["--table"], "telemetry");
  assert.equal(args["--lookback_days"], undefined, "the manifest says what is left to curate, not a window");
  assert.deepEqual(JSON.parse(args["--telemetry_ranges"]), telemetryRanges());
  assert.deepEqual(args["--extra-py-files"], stack.resolve(etl.transformModule.s3ObjectUrl));
  assert.equal(staged(etl.transformModule.assetPath), readFileSync(ETL_TRANSFORM_MODULE_FILE, "utf8"));
  // Glue 5 streams its logs to CloudWatch itself; the Glue 4 flag does nothing there.
  assert.equal(args["--enable-continuous-cloudwatch-log"], undefined);
  assert.equal(args["--enable-glue-datacatalog"], "true");
  assert.equal(args["--job-bookmark-option"], "job-bookmark-disable");
});

test("ETL role: statement by statement, nothing beyond the raw prefix, its three curated prefixes and its three assets", () => {
  const stmts = statementsOfRole(resources, logicalId(stack, etl.role));
  assert.equal(stmts.length, 11);
  const gets = stmts.filter((s) => s.Action === "s3:GetObject").map((s) => s.Resource);
  assert.deepEqual(gets, [
    stack.resolve(etl.script.bucket.arnForObjects(etl.script.s3ObjectKey)),
    stack.resolve(etl.transformSql.bucket.arnForObjects(etl.transformSql.s3ObjectKey)),
    stack.resolve(etl.transformModule.bucket.arnForObjects(etl.transformModule.s3ObjectKey)),
    objectsArn(rawId, "raw/*"),
  ]);
  const lists = stmts.filter((s) => s.Action === "s3:ListBucket");
  assert.deepEqual(
    lists.map((s) => [s.Resource, s.Condition]),
    [
      [{ "Fn::GetAtt": [rawId, "Arn"] }, { StringLike: { "s3:prefix": ["raw/*"] } }],
      [{ "Fn::GetAtt": [curatedId, "Arn"] }, { StringLike: { "s3:prefix": ["curated/telemetry/*", "quarantine/*", "glue-temp/*"] } }],
    ],
  );
  assert.deepEqual(statementWith(stmts, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]).Resource, [
    objectsArn(curatedId, "curated/telemetry/*"),
    objectsArn(curatedId, "quarantine/*"),
    objectsArn(curatedId, "glue-temp/*"),
  ]);
  assert.deepEqual(statementWith(stmts, "glue:GetDatabase").Resource, accountArn("glue", "database/default"));
  const glue = stmts.find((s) => Array.isArray(s.Action) && s.Action[0].startsWith("glue:"))!;
  assert.deepEqual(glue.Resource, [accountArn("glue", "catalog"), accountArn("glue", "database/aqm"), accountArn("glue", "table/aqm/*")]);
  assert.deepEqual(
    statementWith(stmts, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]).Resource,
    accountArn("logs", "log-group:/aws-glue/jobs*"),
  );
  assert.deepEqual(statementWith(stmts, ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]).Resource, {
    "Fn::GetAtt": [logicalId(stack, stack.catalog.key), "Arn"],
  });
  for (const a of actionsOf(stmts)) assert.ok(!a.includes("*") && !/^glue:Delete|^s3:PutBucket/.test(a), a);
  for (const s of stmts) assert.notEqual(s.Resource, "*");
});
