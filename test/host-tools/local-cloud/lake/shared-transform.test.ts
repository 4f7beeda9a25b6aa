import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { sparkTransform, sqlString, transformStatements } from "../../../../host-tools/local-cloud/lake/DuckDbDialect.ts";
import { healthyReading } from "../../../../host-tools/board-sim/scenarios/HealthyReading.ts";
import { CHANNELS } from "../../../../firmware/telemetry/Channels.ts";
import { telemetryRanges, TRANSFORM_SQL_FILE } from "../../../../cloud/lib/transformFiles.ts";
import { withMemoryDuckDb } from "./memoryDuckDb.ts";

const SQL = readFileSync(TRANSFORM_SQL_FILE, "utf8");

/** The Glue job's reading of the file (cloud/glue/telemetry_etl.py, sql_statements): comments stripped textually, then split on semicolons outside quotes. */
function glueStatements(text: string): string[] {
  const stripped = text.replace(/--[^\n]*/g, "");
  const statements: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const ch of stripped) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ";") {
      statements.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  statements.push(current.trim());
  return statements.filter((s) => s !== "");
}

test("the transformation splits into the same statements for the Glue job as for DuckDB, each a temporary view", async () => {
  const glue = glueStatements(SQL);
  const extracted = await withMemoryDuckDb((db) => db.extractStatements(SQL));
  assert.equal(glue.length, extracted.count);
  assert.ok(
    glue.every((s) => /^CREATE OR REPLACE TEMPORARY VIEW [a-z_]+ AS\s/.test(s)),
    glue.map((s) => s.slice(0, 50)).join("\n"),
  );
  const views = glue.map((s) => /VIEW ([a-z_]+)/.exec(s)![1]);
  for (const output of ["curated", "duplicates", "quarantine"]) assert.ok(views.includes(output), `${output} view`);
});

test("the transformation keeps to the shared dialect: no backslashes, no double-quoted identifiers, no engine-only functions", () => {
  const code = SQL.replace(/--[^\n]*/g, "");
  assert.doesNotMatch(code, /\\/);
  assert.doesNotMatch(code, /"/);
  assert.doesNotMatch(code, /\b(json_kind|json_extract|json_type|json_valid|json_transform|regexp_matches|rlike|concat|date_add|strftime|epoch_ms)\s*\(/i);
});

test("from_json rewrite for DuckDB: a schema type it cannot give Spark's answers for is refused with the field named", () => {
  assert.throws(() => sparkTransform(`SELECT from_json(line, 'v BIGINT, when TIMESTAMP') FROM raw_lines`), /from_json schema field "when TIMESTAMP"/);
  assert.match(sparkTransform(`SELECT from_json(line, 'v BIGINT') FROM raw_lines -- from_json(x, 'y NOPE')`), /json_transform\(line, '\{"v":"JSON"\}'\)/);
});

const reading = (fields: Record<string, unknown>) =>
  JSON.stringify({
    ...healthyReading({ thing: "aqm-range-001", boot: 1, seq: 1, ts: Date.UTC(2026, 10, 1) }, { temperature_c: 21.5, humidity_pct: 40, pm2_5_ugm3: 5 }),
    ...fields,
  });

/** Each line through the transformation on DuckDB: its quarantine reason, or null when curated. */
async function reasonsOf(lines: readonly string[]): Promise<(string | null)[]> {
  return withMemoryDuckDb(async (db) => {
    await db.run(
      `CREATE TEMPORARY TABLE raw_lines AS SELECT 'raw/x' AS source_file, CAST(n AS BIGINT) AS line_number, line, true AS utf8 FROM (VALUES ${lines.map((l, i) => `(${i + 1}, ${sqlString(l)})`).join(", ")}) AS t (n, line)`,
    );
    for (const statement of transformStatements(SQL, telemetryRanges())) await db.run(statement);
    const rows = (await db.runAndReadAll(`SELECT line_number, reason FROM raw_checked ORDER BY line_number`)).getRowsJS();
    return rows.map((r) => (r[1] === null ? null : String(r[1])));
  });
}

test("impossible values are quarantined with the field named, from the channels' range table (firmware/telemetry/Channels.ts)", async () => {
  const lines = [
    reading({ pm2_5_ugm3: 1e308 }),
    reading({ temperature_c: -1e300 }),
    reading({ humidity_pct: 1e20 }),
    reading({ pm2_5_ugm3: -5000 }),
    reading({ humidity_pct: -10 }),
    reading({ co_ppb: -50, no2_ppb: 20_000, temperature_c: 125, humidity_pct: 0 }),
    reading({ co_ppb: -50.1 }),
  ];
  assert.deepEqual(await reasonsOf(lines), [
    "pm2_5_ugm3 is out of range (0.0 to 1000.0)",
    "temperature_c is out of range (-40.0 to 125.0)",
    "humidity_pct is out of range (0.0 to 100.0)",
    "pm2_5_ugm3 is out of range (0.0 to 1000.0)",
    "humidity_pct is out of range (0.0 to 100.0)",
    null,
    "co_ppb is out of range (-50.0 to 1000000.0)",
  ]);
  const pm25 = CHANNELS.find((c) => c.name === "pm2_5_ugm3")!;
  assert.deepEqual([pm25.min, pm25.max], [0, 1000]);
});

test("types as Spark's from_json reads them: an integer field refuses 1.5, 1e0 and a string; a number refuses a string; a key given twice is refused", async () => {
  assert.deepEqual(
    await reasonsOf([
      reading({ seq: 1.5 }),
      reading({ seq: "1" }),
      reading({}).replace('"boot":1,', '"boot":1e0,'),
      reading({ temperature_c: "21.5" }),
      reading({ temperature_c: true }),
      reading({ anomaly: null }),
      reading({}).replace('"seq":1,', '"seq":1,"seq":2,'),
      reading({}) + " trailing",
      reading({}).replace("}}", "},}"),
    ]),
    [
      "seq is not an integer",
      "seq is not an integer",
      "boot is not an integer",
      "temperature_c is not a number",
      "temperature_c is not a number",
      "anomaly is not a number",
      "a key appears twice (JSON parsers disagree on which one counts)",
      "not a JSON object (truncated or malformed, or another JSON value)",
      "not a JSON object (truncated or malformed, or another JSON value)",
    ],
  );
});
