import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNamedQueries } from "../../cloud/lib/namedQueries.ts";
import { FIXTURE_QUERIES, logicalId, synthFixtureStack } from "./stackFixture.ts";

const { stack, resources } = synthFixtureStack();
const wg = resources[logicalId(stack, stack.athena.workGroup)]!.Properties;

test("workgroup: enforced, SSE-S3 results under athena-results/ of the curated bucket, per-query scan limit", () => {
  assert.equal(wg.Name, "aqm");
  const c = wg.WorkGroupConfiguration;
  assert.equal(c.EnforceWorkGroupConfiguration, true);
  assert.equal(c.PublishCloudWatchMetricsEnabled, true);
  assert.equal(c.BytesScannedCutoffPerQuery, 10 * 1024 ** 3);
  assert.deepEqual(c.ResultConfiguration, {
    OutputLocation: { "Fn::Join": ["", ["s3://", { Ref: logicalId(stack, stack.curated.bucket) }, "/athena-results/"]] },
    EncryptionConfiguration: { EncryptionOption: "SSE_S3" },
  });
});

test("named queries: one per entry of the queries file, same name and SQL, in the workgroup and the Glue database", () => {
  const expected = loadNamedQueries(FIXTURE_QUERIES);
  const queries = Object.values(resources)
    .filter((r) => r.Type === "AWS::Athena::NamedQuery")
    .map((r) => r.Properties);
  assert.equal(queries.length, expected.length);
  queries.forEach((q, i) => {
    assert.deepEqual([q.Name, q.QueryString, q.Database, q.WorkGroup], [expected[i]!.name, expected[i]!.sql, "aqm", "aqm"]);
  });
});

test("queries file loader: an entry without SQL is refused by index and field", () => {
  const dir = mkdtempSync(join(tmpdir(), "aqm-queries-"));
  const file = join(dir, "q.json");
  writeFileSync(file, JSON.stringify([{ name: "ok", sql: "SELECT 1" }, { name: "broken" }]));
  assert.throws(() => loadNamedQueries(file), /query 1 needs a non-empty string "sql"/);
  writeFileSync(file, JSON.stringify({ queries: [{ name: "n", sql: "SELECT 1" }] }));
  assert.deepEqual(loadNamedQueries(file), [{ name: "n", description: "", sql: "SELECT 1", parameters: [] }]);
});

test("queries file loader: a ? needs a named parameter; the guideline table is joined in where the SQL asks for it", () => {
  const dir = mkdtempSync(join(tmpdir(), "aqm-queries-"));
  const file = join(dir, "q.json");
  writeFileSync(file, JSON.stringify([{ name: "p", sql: "SELECT * FROM forecasts WHERE thing = ?" }]));
  assert.throws(() => loadNamedQueries(file), /query 0 \(p\) has 1 "\?" but names 0 parameters/);
  writeFileSync(file, JSON.stringify([{ name: "p", sql: "SELECT * FROM forecasts WHERE thing = ?", parameters: ["thing"] }]));
  assert.deepEqual(loadNamedQueries(file)[0]!.parameters, ["thing"]);
  writeFileSync(file, JSON.stringify([{ name: "l", sql: "SELECT level FROM {{who_2021_limits}} WHERE channel = 'pm10_ugm3'" }]));
  assert.equal(
    loadNamedQueries(file)[0]!.sql,
    "SELECT level FROM (VALUES ('pm2_5_ugm3', 'PM2.5', DOUBLE '15', 24), ('pm10_ugm3', 'PM10', DOUBLE '45', 24), ('o3_ppb', 'O3', DOUBLE '50.94', 8), " +
      "('no2_ppb', 'NO2', DOUBLE '13.29', 24), ('so2_ppb', 'SO2', DOUBLE '15.27', 24), ('co_ppb', 'CO', DOUBLE '3491.61', 24)) AS limits (channel, pollutant, level, averaging_hours) WHERE channel = 'pm10_ugm3'",
  );
});
