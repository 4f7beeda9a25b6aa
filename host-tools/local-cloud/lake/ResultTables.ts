/**
 * The model-result tables of the cloud's Athena database, in a local lake: `forecasts` (the
 * cloud's DeepAR forecasts; locally what `aqm forecast --save` wrote, Parquet under
 * `<lake>/results/forecasts/date=YYYY-MM-DD/`) and `anomaly_scores` (the cloud's Random Cut
 * Forest scores; locally there is no RCF, so the board's own score stands in for it, flagged
 * anomalous at the scorer's threshold). Same columns as the Glue tables (cloud/lib/resultTables.ts),
 * so the named queries run unchanged on both sides.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_SCORER_CONFIG } from "../../../firmware/anomaly/ScorerConfig.ts";
import { RESULT_TABLE_COLUMNS } from "../../../cloud/lib/resultTables.ts";
import { sqlString } from "./DuckDbDialect.ts";

/** `<lake>/results/forecasts/`: outside `curated/`, whose every Parquet file is a reading. */
export function forecastsDir(lakeDir: string): string {
  return path.join(lakeDir, "results", "forecasts");
}

const DUCKDB_TYPES: Readonly<Record<string, string>> = { string: "VARCHAR", bigint: "BIGINT", int: "INTEGER", double: "DOUBLE", boolean: "BOOLEAN" };

/** The forecasts table's columns as DuckDB types, in the Glue table's order. */
export const FORECAST_COLUMNS: readonly (readonly [string, string])[] = Object.entries(RESULT_TABLE_COLUMNS.forecasts).map(([name, type]) => [
  name,
  DUCKDB_TYPES[type]!,
]);

/** The statements that (re)point `forecasts` and `anomaly_scores` at what the lake holds now. */
export async function resultTableViews(lakeDir: string): Promise<string[]> {
  const dir = forecastsDir(lakeDir);
  const empty = `SELECT ${FORECAST_COLUMNS.map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`).join(", ")}, CAST(NULL AS DATE) AS date WHERE false`;
  const forecasts = (await hasParquet(dir))
    ? `SELECT * FROM read_parquet(${sqlString(path.join(dir, "**", "*.parquet"))}, hive_partitioning = true, hive_types = {'date': 'DATE'})`
    : empty;
  return [
    `CREATE OR REPLACE TEMPORARY VIEW forecasts AS ${forecasts}`,
    `CREATE OR REPLACE TEMPORARY VIEW anomaly_scores AS SELECT thing, ts, CAST(anomaly AS DOUBLE) AS score, anomaly >= ${DEFAULT_SCORER_CONFIG.threshold} AS anomalous, 'board scorer' AS run_id, date FROM telemetry WHERE anomaly IS NOT NULL`,
  ];
}

async function hasParquet(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir, { recursive: true })).some((f) => f.endsWith(".parquet"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
