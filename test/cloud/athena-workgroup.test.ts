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
  assert.deepEqual(loadNamedQueries(file), [{ name: "n", description: "", sql: "SELECT 1" }]);
});
