/**
 * Loads the operators' Athena named queries from `cloud/athena/named-queries.json`, the file the
 * local `aqm query` reads too, so the questions an operator asks are written once. A query may
 * join `{{who_2021_limits}}`, replaced here by the guideline table (pollutantLimits.ts) as a
 * relation `limits`, so the levels are written once too; and it may take `?` parameters, named in
 * its "parameters" (Athena's console asks for them; `aqm query NAME --param VALUE`).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pollutantLimitsSql } from "./pollutantLimits.ts";

const LIMITS_PLACEHOLDER = "{{who_2021_limits}}";

export const NAMED_QUERIES_FILE = fileURLToPath(new URL("../athena/named-queries.json", import.meta.url));

export interface NamedQueryDefinition {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  /** What each `?` in the SQL stands for, in order. */
  readonly parameters: readonly string[];
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
    const parameters = q.parameters ?? [];
    if (!Array.isArray(parameters) || !parameters.every((p) => typeof p === "string" && p !== "")) {
      throw new Error(`${path}: query ${i} "parameters" must be an array of names`);
    }
    const sql = (q.sql as string).split(LIMITS_PLACEHOLDER).join(pollutantLimitsSql());
    // No query here quotes a "?", so every one is a parameter.
    const marks = sql.split("?").length - 1;
    if (marks !== parameters.length) throw new Error(`${path}: query ${i} (${q.name}) has ${marks} "?" but names ${parameters.length} parameters`);
    return { name: q.name as string, description: typeof q.description === "string" ? q.description : "", sql, parameters: parameters as string[] };
  });
}
