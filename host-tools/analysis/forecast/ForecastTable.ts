import { DuckDBInstance } from "@duckdb/node-api";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { sqlString } from "../../local-cloud/lake/DuckDbDialect.ts";
import { FORECAST_COLUMNS, forecastsDir } from "../../local-cloud/lake/ResultTables.ts";
import { HOUR_MS } from "./HourlyMeans.ts";
import type { DeepArShapedForecast } from "./SeasonalNaiveForecast.ts";

/**
 * Writes forecasts into the local lake's `forecasts` table, as the cloud's results step writes
 * DeepAR's: one row per thing, channel and hour, Parquet under `date=<day of the hour>/`, one file
 * per thing, day and issue time. Each file is written beside its place and renamed into it, so a
 * query never reads half of one. Returns the files written.
 */
export async function saveForecasts(lakeDir: string, forecasts: readonly DeepArShapedForecast[], issuedAt: number): Promise<string[]> {
  const rows = forecasts.flatMap((f) => {
    const start = Date.parse(f.start);
    const [p] = f.predictions;
    return p.mean.map((mean, step) => ({
      thing: f.thing,
      channel: f.channel,
      hour_ts: start + step * HOUR_MS,
      step,
      mean,
      p10: p.quantiles["0.1"][step]!,
      p50: p.quantiles["0.5"][step]!,
      p90: p.quantiles["0.9"][step]!,
      run_id: f.method.startsWith("seasonal naive") ? "aqm forecast (seasonal naive)" : f.method,
      issued_at: issuedAt,
    }));
  });
  const files = new Map<string, typeof rows>();
  for (const row of rows) {
    const day = new Date(row.hour_ts).toISOString().slice(0, 10);
    const file = path.join(forecastsDir(lakeDir), `date=${day}`, `${row.thing}-${issuedAt}.parquet`);
    files.set(file, [...(files.get(file) ?? []), row]);
  }
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    for (const [file, fileRows] of files) {
      await mkdir(path.dirname(file), { recursive: true });
      const values = fileRows.map((r) => `(${FORECAST_COLUMNS.map(([name]) => literal(r[name as keyof typeof r])).join(", ")})`).join(", ");
      const columns = FORECAST_COLUMNS.map(([name, type]) => `CAST(${name} AS ${type}) AS ${name}`).join(", ");
      const staging = `${file}.writing`;
      await db.run(
        `COPY (SELECT ${columns} FROM (VALUES ${values}) AS v (${FORECAST_COLUMNS.map(([n]) => n).join(", ")})) TO ${sqlString(staging)} (FORMAT parquet)`,
      );
      await rename(staging, file);
    }
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  return [...files.keys()];
}

function literal(value: string | number): string {
  return typeof value === "string" ? sqlString(value) : String(value);
}
