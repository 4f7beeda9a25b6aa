import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sqlString, TRANSFORM_FUNCTIONS } from "../../../../host-tools/local-cloud/lake/DuckDbDialect.ts";
import { TRANSFORM_SQL_FILE } from "../../../../cloud/lib/transformFiles.ts";
import { withMemoryDuckDb } from "./memoryDuckDb.ts";

const SQL = readFileSync(TRANSFORM_SQL_FILE, "utf8");
const SPARK_FUNCTIONS = fileURLToPath(new URL("../../../../cloud/transform/spark_functions.py", import.meta.url));

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
  assert.doesNotMatch(code, /\b(json_extract|json_type|json_valid|from_json|regexp_matches|rlike|concat|date_add|strftime|epoch_ms)\s*\(/i);
});

const KIND_CASES: [string, string][] = [
  ['{"a":1}', "$"],
  ['{"a":1}', "$.a"],
  ['{"a":-4}', "$.a"],
  ['{"a":4.5}', "$.a"],
  ['{"a":1e3}', "$.a"],
  ['{"a":"4"}', "$.a"],
  ['{"a":true}', "$.a"],
  ['{"a":null}', "$.a"],
  ['{"a":[1]}', "$.a"],
  ['{"a":{"b":"ok"}}', "$.a"],
  ['{"a":{"b":"ok"}}', "$.a.b"],
  ['{"a":{"b":"ok"}}', "$.a.c"],
  ['{"a":1}', "$.b"],
  ["[1,2]", "$"],
  ["[1,2]", "$.a"],
  ["5", "$"],
  ['"text"', "$"],
  ['{"a":1', "$"],
  ['{"a":1', "$.a"],
  ["not json", "$"],
  ["", "$"],
  ['{"a":NaN}', "$.a"],
  ['{"a":18446744073709551615}', "$.a"],
  ['{"a":18446744073709551616}', "$.a"],
];

test("json_kind: the DuckDB macro and the Spark UDF (cloud/transform/spark_functions.py) give the same kinds", async () => {
  const duck = await withMemoryDuckDb(async (db) => {
    for (const statement of TRANSFORM_FUNCTIONS) await db.run(statement);
    return (await db.runAndReadAll(`SELECT ${KIND_CASES.map(([j, p]) => `json_kind(${sqlString(j)}, ${sqlString(p)})`).join(", ")}`)).getRowsJS()[0]!;
  });
  const spark = JSON.parse(
    execFileSync(
      "python3",
      [
        "-c",
        `
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("spark_functions", ${JSON.stringify(SPARK_FUNCTIONS)})
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
print(json.dumps([m.json_kind(j, p) for j, p in json.load(sys.stdin)]))
`,
      ],
      { input: JSON.stringify(KIND_CASES), encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } },
    ),
  );
  assert.deepEqual(
    KIND_CASES.map((c, i) => [...c, duck[i]]),
    KIND_CASES.map((c, i) => [...c, spark[i]]),
  );
  assert.deepEqual(duck.slice(0, 8), ["object", "integer", "integer", "number", "number", "string", "boolean", "null"]);
});
