import { test } from "node:test";
import assert from "node:assert/strict";
import { RESULT_TABLES } from "../../cloud/lib/ModelResults.ts";
import { logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const results = stack.results;
const curatedId = logicalId(stack, stack.curated.bucket);
const s3Url = (prefix: string) => ({ "Fn::Join": ["", ["s3://", { Ref: curatedId }, `/${prefix}`]] });

test("results job: Python shell with the analytics libraries, the run's prefixes as arguments, encrypted logs", () => {
  const job = resources[logicalId(stack, results.job)]!.Properties;
  assert.equal(job.Name, "aqm-publish-model-results");
  assert.deepEqual(job.Command.Name, "pythonshell");
  assert.equal(job.DefaultArguments["library-set"], "analytics");
  assert.equal(job.SecurityConfiguration, "aqm-glue-security");
  assert.deepEqual(
    [
      job.DefaultArguments["--forecasts_prefix"],
      job.DefaultArguments["--scores_prefix"],
      job.DefaultArguments["--serving_prefix"],
      job.DefaultArguments["--holdout_days"],
      job.DefaultArguments["--fit_days"],
    ],
    ["curated/forecasts/", "curated/anomaly-scores/", "serving/forecasts/", "7", "28"],
  );
  assert.ok(!Object.keys(job.DefaultArguments).some((k) => k.startsWith("--ml_")), Object.keys(job.DefaultArguments).join(", "));
});

test("tables forecasts and anomaly_scores: Parquet in the aqm database, partitioned by date with projection, so no partition is ever registered", () => {
  for (const [name, spec] of Object.entries(RESULT_TABLES)) {
    const table = resources[logicalId(stack, results.tables[name as keyof typeof RESULT_TABLES])]!.Properties;
    assert.equal(table.DatabaseName, "aqm");
    const input = table.TableInput;
    assert.equal(input.Name, name);
    assert.deepEqual(input.PartitionKeys, [{ Name: "date", Type: "date" }]);
    assert.deepEqual(
      input.StorageDescriptor.Columns.map((c: { Name: string; Type: string }) => [c.Name, c.Type]),
      Object.entries(spec.columns),
    );
    assert.deepEqual(input.StorageDescriptor.Location, s3Url(spec.prefix));
    assert.equal(input.StorageDescriptor.SerdeInfo.SerializationLibrary, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
    const p = input.Parameters;
    assert.deepEqual(
      [p["projection.enabled"], p["projection.date.type"], p["projection.date.format"], p["projection.date.range"]],
      ["true", "date", "yyyy-MM-dd", spec.projectionRange],
    );
    assert.deepEqual(p["storage.location.template"], { "Fn::Join": ["", ["s3://", { Ref: curatedId }, `/${spec.prefix}date=\${date}/`]] });
  }
});

test("results role: read the run's input and output and the readings; write only the result prefixes; delete only old score files", () => {
  const stmts = statementsOfRole(resources, logicalId(stack, results.role));
  const get = stmts.filter((s) => s.Action === "s3:GetObject").map((s) => s.Resource);
  assert.deepEqual(get[1], [objectsArn(curatedId, "ml/input/*"), objectsArn(curatedId, "ml/output/*"), objectsArn(curatedId, "curated/telemetry/*")]);
  assert.deepEqual(statementWith(stmts, "s3:PutObject").Resource, [
    objectsArn(curatedId, "curated/forecasts/*"),
    objectsArn(curatedId, "curated/anomaly-scores/*"),
    objectsArn(curatedId, "serving/forecasts/*"),
    objectsArn(curatedId, "ml/output/*"),
  ]);
  assert.deepEqual(statementWith(stmts, "s3:DeleteObject").Resource, objectsArn(curatedId, "curated/anomaly-scores/*"));
  assert.deepEqual(statementWith(stmts, "s3:ListBucket").Condition, {
    StringLike: { "s3:prefix": ["ml/output/*", "curated/anomaly-scores/*", "curated/telemetry/*"] },
  });
});
