/**
 * Loads the operators' Athena named queries from `cloud/athena/named-queries.json`, the file the
 * local `aqm query` reads too, so the questions an operator asks are written once.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const NAMED_QUERIES_FILE = fileURLToPath(new URL("../athena/named-queries.json", import.meta.url));

export interface NamedQueryDefinition {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** Refuses a malformed entry by index and field, so a bad edit fails the synth, not the deployment. */
export function loadNamedQueries(path: string = NAMED_QUERIES_FILE): NamedQueryDefinition[] {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  const list = Array.isArray(parsed) ? parsed : (parsed as { queries?: unknown }).queries;
  if (!Array.isArray(list)) throw new Error(`${path}: expected an array of queries (or { "queries": [...] })`);
  return list.map((entry: unknown, i: number) => {
    const q = entry as Record<string, unknown>;
    for (const field of ["name", "sql"] as const) {
      if (typeof q[field] !== "string" || q[field] === "") throw new Error(`${path}: query ${i} needs a non-empty string "${field}"`);
    }
    return { name: q.name as string, description: typeof q.description === "string" ? q.description : "", sql: q.sql as string };
  });
}
