import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** Runs `use` on a fresh in-memory DuckDB and closes it, however `use` ends. */
export async function withMemoryDuckDb<T>(use: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    return await use(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
