/**
 * npm run bench:athena -- [boards] [days] [interval-s] — what the operators' named queries cost
 * Athena on a month of a 1,000-board fleet, by curated layout, before and after the queries filter
 * on the date partition. Prints figures; asserts nothing.
 *
 * Athena bills the bytes it reads from S3: the column chunks of the files its partition filter
 * keeps, less the row groups their min/max statistics rule out (10 MB at least per query). DuckDB
 * prunes the same three ways (Hive partitions, columns, row-group statistics), so the bytes it
 * reads for a query are measured here as the read syscalls of this process during the query
 * (/proc/self/io rchar) over local Parquet files: the engine's own reads, not a model of them.
 *
 * The table has the curated schema (the shared transformation's columns, asked of an empty local
 * lake), filled for every board with one reading per interval (300 s by default, to keep the
 * month at 8.6 million rows on a small machine; the bytes scale with the readings, the file
 * counts do not) and values on smooth daily curves. Layouts:
 *   date/thing  one file per board and day (the ETL's partitionBy("date", "thing"), and the local lake's)
 *   date        one file per day, sorted by thing and ts (row groups of 122,880 rows)
 *   none        one file for the month, sorted by ts
 * Baseline: the same query with its date filter removed (the named queries before this change),
 * and SELECT * (everything the lake holds).
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadNamedQueries } from "../cloud/lib/namedQueries.ts";
import { ATHENA_FUNCTIONS, SESSION_SETTINGS, sqlString } from "../host-tools/local-cloud/lake/DuckDbDialect.ts";
import { LakeQuery } from "../host-tools/local-cloud/lake/LakeQuery.ts";

const BOARDS = Number(process.argv[2] ?? 1000);
const DAYS = Number(process.argv[3] ?? 30);
const INTERVAL_S = Number(process.argv[4] ?? 300);
const ATHENA_MIN_BYTES = 10 * 1_000_000;
const USD_PER_TB = 5;

const work = mkdtempSync(path.join(tmpdir(), "aqm-athena-"));
const rchar = (): number => Number(/rchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))![1]);
const mb = (bytes: number) => (bytes / 1_000_000).toFixed(1);
const kb = (bytes: number) => (bytes / 1_000).toFixed(1);

async function curatedColumns(): Promise<[string, string][]> {
  const lake = await LakeQuery.open(path.join(work, "empty-lake"));
  try {
    const { rows } = await lake.run("SELECT column_name, column_type FROM (DESCRIBE telemetry)");
    return rows.map(([name, type]) => [String(name), String(type)]);
  } finally {
    lake.close();
  }
}

/** A value for each curated column: smooth daily curves with a little noise for the measurements, 'ok' healths, the key columns as the board sends them. */
function generator(columns: readonly [string, string][]): string {
  const exprs = columns.map(([name, type]) => {
    if (name === "thing") return `printf('aqm-%05d', b) AS thing`;
    if (name === "date") return `CAST(to_timestamp(ts / 1000) AS DATE) AS date`;
    if (name === "ts") return "ts";
    if (name === "seq") return "CAST(r AS BIGINT) AS seq";
    if (name === "boot") return "CAST(1 AS BIGINT) AS boot";
    if (name === "interval_s") return `CAST(${INTERVAL_S} AS ${type}) AS interval_s`;
    if (name === "v") return `CAST(2 AS ${type}) AS v`;
    // One reading in a thousand with the channel in fault, so a fault query has something to find.
    if (name.startsWith("health_")) return `CASE WHEN hash(ts, b, '${name}') % 1000 = 0 THEN 'fault:nack' ELSE 'ok' END AS ${name}`;
    if (type === "DOUBLE") {
      const phase = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1000, 7) / 1000;
      return `round(20 + 10 * sin(2 * pi() * ((ts / 86400000.0) + ${phase} + b / 97.0)) + (hash(ts, b, '${name}') % 1000) / 500.0, 2) AS ${name}`;
    }
    if (type === "VARCHAR") return `NULL::VARCHAR AS ${name}`;
    return `NULL::${type} AS ${name}`;
  });
  const end = Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000;
  const start = end - DAYS * 86_400_000;
  return `SELECT ${exprs.join(", ")} FROM (SELECT b, r, ${start}::BIGINT + r * ${INTERVAL_S * 1000}::BIGINT AS ts FROM range(${BOARDS}) t(b), range(${(DAYS * 86400) / INTERVAL_S}) s(r))`;
}

interface Layout {
  readonly name: string;
  readonly dir: string;
  readonly copy: (source: string) => string;
  /** The Hive partition columns in the folder names. */
  readonly hiveTypes: string;
}

const LAYOUTS: readonly Layout[] = [
  {
    name: "date/thing",
    dir: "by-date-thing",
    copy: (s) => `COPY (${s}) TO '{dir}' (FORMAT parquet, PARTITION_BY (date, thing))`,
    hiveTypes: "{'date': 'DATE', 'thing': 'VARCHAR'}",
  },
  {
    name: "date",
    dir: "by-date",
    copy: (s) => `COPY (SELECT * FROM (${s}) ORDER BY date, thing, ts) TO '{dir}' (FORMAT parquet, PARTITION_BY (date))`,
    hiveTypes: "{'date': 'DATE'}",
  },
  {
    name: "none",
    dir: "one-file",
    copy: (s) => `COPY (SELECT * EXCLUDE (date) FROM (${s}) ORDER BY ts) TO '{dir}/month.parquet' (FORMAT parquet)`,
    hiveTypes: "",
  },
];

/** The query as it was before it filtered on the partition column. */
function withoutDateFilter(sql: string): string {
  return sql.replaceAll(/WHERE date >= current_date - INTERVAL '\d+' DAY AND /g, "WHERE ").replaceAll(/ WHERE date >= current_date - INTERVAL '\d+' DAY/g, "");
}

function filesUnder(dir: string): number[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".parquet"))
    .map((e) => statSync(path.join(e.parentPath, e.name)).size);
}

async function bytesRead(db: DuckDBConnection, sql: string): Promise<number> {
  const before = rchar();
  await db.runAndReadAll(sql);
  return rchar() - before;
}

const columns = await curatedColumns();
const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
const db = await instance.connect();
for (const statement of [...SESSION_SETTINGS, ...ATHENA_FUNCTIONS]) await db.run(statement);
const source = generator(columns);
const queries = loadNamedQueries().filter((q) => /FROM telemetry\b/.test(q.sql) && !/forecasts|anomaly_scores/.test(q.sql));
console.log(
  `bench:athena: ${BOARDS} boards × ${DAYS} days, a reading every ${INTERVAL_S} s: ${((BOARDS * DAYS * 86400) / INTERVAL_S).toLocaleString("en")} readings, ${columns.length} curated columns`,
);
const results: Record<string, Record<string, [number, number]>> = {};
try {
  for (const layout of LAYOUTS) {
    const dir = path.join(work, layout.dir);
    const t0 = performance.now();
    mkdirSync(dir, { recursive: true });
    await db.run(layout.copy(source).replace("{dir}", dir.replaceAll("'", "''")));
    const sizes = filesUnder(dir).sort((a, b) => a - b);
    const total = sizes.reduce((n, s) => n + s, 0);
    console.log(
      `\nlayout ${layout.name}: ${sizes.length.toLocaleString("en")} files, ${mb(total)} MB, median file ${kb(sizes[Math.floor(sizes.length / 2)]!)} kB (written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const glob = sqlString(path.join(dir, "**", "*.parquet"));
    await db.run(
      layout.name === "none"
        ? `CREATE OR REPLACE VIEW telemetry AS SELECT *, CAST(to_timestamp(ts / 1000) AS DATE) AS date FROM read_parquet(${glob})`
        : `CREATE OR REPLACE VIEW telemetry AS SELECT * FROM read_parquet(${glob}, hive_partitioning = true, hive_types = ${layout.hiveTypes})`,
    );
    const everything = await bytesRead(db, "SELECT * FROM telemetry");
    console.log(`  SELECT * (baseline: the whole lake): ${mb(everything)} MB read`);
    for (const q of queries) {
      const before = await bytesRead(db, withoutDateFilter(q.sql));
      const after = await bytesRead(db, q.sql);
      (results[q.name] ??= {})[layout.name] = [before, after];
      const cost = (b: number) => `$${((Math.max(b, ATHENA_MIN_BYTES) / 1e12) * USD_PER_TB).toFixed(5)}`;
      console.log(
        `  ${q.name.padEnd(20)} without the date filter ${mb(before).padStart(8)} MB (${cost(before)}), with it ${mb(after).padStart(7)} MB (${cost(after)}): ${(before / Math.max(after, 1)).toFixed(1)}× less`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nMB read with the date filter, by layout (${LAYOUTS.map((l) => l.name).join(" | ")}):`);
  for (const [name, byLayout] of Object.entries(results))
    console.log(`  ${name.padEnd(20)} ${LAYOUTS.map((l) => mb(byLayout[l.name]![1]).padStart(8)).join(" | ")}`);
} finally {
  db.closeSync();
  instance.closeSync();
  rmSync(work, { recursive: true, force: true });
}
