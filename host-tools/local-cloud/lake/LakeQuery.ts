import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type Json } from "@duckdb/node-api";
import { readFile } from "node:fs/promises";
import { TRANSFORM_SQL_FILE } from "../../../cloud/lib/transformFiles.ts";
import { telemetryRanges } from "../../../cloud/lib/transformFiles.ts";
import { ATHENA_FUNCTIONS, SESSION_SETTINGS, sqlString, transformStatements } from "./DuckDbDialect.ts";
import { visibleCuratedFiles } from "./CuratedFiles.ts";
import { LakeLayout } from "./LakeLayout.ts";
import { resultTableViews } from "./ResultTables.ts";

/** A query's answer: column names, and rows of JSON values (64-bit integers as numbers where exact). */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Json[])[];
}

/** The SQL was refused or failed; the message is DuckDB's, which names the problem and where. */
export class QueryFailed extends Error {}

const WIDE_NUMBERS = new Set<DuckDBTypeId>([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.DECIMAL]);

/**
 * SQL over the local lake with the names the cloud uses: `telemetry` is the curated table (as the
 * Glue job names it in the Athena database), with `date` and `thing` from the partition folders;
 * `quarantine` holds the refused lines; `forecasts` and `anomaly_scores` are the model-result
 * tables (ResultTables.ts). The Athena functions the named queries use are defined,
 * so the same query text runs here and in Athena.
 *
 * `telemetry` is pointed at the lake's visible files before each query, so a query sees the
 * readings curated since the lake was opened, and each reading once while a compaction merges
 * its partition. A query whose files a compaction deleted under it runs again on the new files.
 */
export class LakeQuery {
  readonly #instance: DuckDBInstance;
  readonly #db: DuckDBConnection;
  readonly #layout: LakeLayout;
  readonly #transformSqlFile: string;
  /** The files `telemetry` reads now, joined; undefined before the first query. */
  #telemetryFiles: string | undefined;
  #emptyShapeReady = false;

  private constructor(instance: DuckDBInstance, db: DuckDBConnection, layout: LakeLayout, transformSqlFile: string) {
    this.#instance = instance;
    this.#db = db;
    this.#layout = layout;
    this.#transformSqlFile = transformSqlFile;
  }

  static async open(lakeDir: string, transformSqlFile: string = TRANSFORM_SQL_FILE): Promise<LakeQuery> {
    const layout = new LakeLayout(lakeDir);
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    const query = new LakeQuery(instance, db, layout, transformSqlFile);
    try {
      for (const statement of [...SESSION_SETTINGS, ...ATHENA_FUNCTIONS]) await db.run(statement);
      const quarantineColumns = `{'reason': 'VARCHAR', 'source_file': 'VARCHAR', 'line_number': 'BIGINT', 'line': 'VARCHAR'}`;
      await db.run(
        (await layout.hasQuarantineFiles())
          ? `CREATE OR REPLACE TEMPORARY VIEW quarantine AS SELECT * FROM read_json(${sqlString(layout.quarantineGlob)}, format = 'newline_delimited', columns = ${quarantineColumns}, hive_partitioning = true, hive_types = {'ingest_date': 'DATE'})`
          : `CREATE OR REPLACE TEMPORARY VIEW quarantine AS SELECT CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS source_file, CAST(NULL AS BIGINT) AS line_number, CAST(NULL AS VARCHAR) AS line, CAST(NULL AS DATE) AS ingest_date WHERE false`,
      );
    } catch (error) {
      query.close();
      throw error;
    }
    return query;
  }

  /** Runs `sql`, with `parameters` bound to its `?` in order. */
  async run(sql: string, parameters: readonly string[] = []): Promise<QueryResult> {
    const files = await visibleCuratedFiles(this.#layout);
    try {
      await this.#pointTelemetryAt(files);
      for (const statement of await resultTableViews(this.#layout.lakeDir)) await this.#db.run(statement);
      return await this.#runNow(sql, parameters);
    } catch (error) {
      // A compaction may have merged a partition between the listing and the read: with the
      // files of now the query either runs or fails for its own reasons.
      const now = await visibleCuratedFiles(this.#layout);
      if (now.join("\n") === files.join("\n")) throw error;
      await this.#pointTelemetryAt(now);
      return await this.#runNow(sql, parameters);
    }
  }

  close(): void {
    this.#db.closeSync();
    this.#instance.closeSync();
  }

  async #runNow(sql: string, parameters: readonly string[]): Promise<QueryResult> {
    let reader;
    try {
      reader = parameters.length === 0 ? await this.#db.runAndReadAll(sql) : await this.#db.runAndReadAll(sql, [...parameters]);
    } catch (error) {
      throw new QueryFailed((error as Error).message);
    }
    const wide = reader.columnTypes().map((t) => WIDE_NUMBERS.has(t.typeId));
    const rows = reader.getRowsJson().map((row) => row.map((value, i) => (wide[i] ? exactNumber(value) : value)));
    return { columns: reader.deduplicatedColumnNames(), rows };
  }

  async #pointTelemetryAt(files: readonly string[]): Promise<void> {
    const key = files.join("\n");
    if (key === this.#telemetryFiles) return;
    if (files.length > 0) {
      await this.#db.run(
        `CREATE OR REPLACE TEMPORARY VIEW telemetry AS SELECT * FROM read_parquet([${files.map(sqlString).join(", ")}], hive_partitioning = true, hive_types = {'date': 'DATE', 'thing': 'VARCHAR'})`,
      );
    } else {
      // No reading curated yet: the transformation over no lines gives the table's columns, so a
      // query on an empty lake answers with no rows rather than failing.
      if (!this.#emptyShapeReady) {
        await this.#db.run(`CREATE TEMPORARY TABLE raw_lines (source_file VARCHAR, line_number BIGINT, line VARCHAR, utf8 BOOLEAN)`);
        for (const statement of transformStatements(await readFile(this.#transformSqlFile, "utf8"), telemetryRanges())) await this.#db.run(statement);
        this.#emptyShapeReady = true;
      }
      await this.#db.run(`CREATE OR REPLACE TEMPORARY VIEW telemetry AS SELECT * EXCLUDE (date, thing), CAST(date AS DATE) AS date, thing FROM curated`);
    }
    this.#telemetryFiles = key;
  }
}

/** DuckDB hands 64-bit integers and decimals over as text: a number unless that would change an integer. */
function exactNumber(value: Json): Json {
  if (typeof value !== "string") return value;
  if (/^-?\d+$/.test(value)) return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  return /^-?\d+\.\d+$/.test(value) ? Number(value) : value;
}
