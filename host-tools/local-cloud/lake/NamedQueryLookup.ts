import type { NamedQueryDefinition } from "../../../cloud/lib/namedQueries.ts";

export class UnknownNamedQuery extends Error {}

/**
 * What `aqm query ARG` runs: a named query when ARG is one's name, else ARG as SQL. A lone word
 * that names no query is refused as a mistyped name rather than sent to the engine as SQL.
 */
export function resolveQuery(arg: string, queries: readonly NamedQueryDefinition[]): { readonly sql: string; readonly name?: string } {
  const named = queries.find((q) => q.name === arg.trim());
  if (named) return { sql: named.sql, name: named.name };
  if (/^[A-Za-z0-9_-]+$/.test(arg.trim())) {
    throw new UnknownNamedQuery(`no named query "${arg.trim()}" (named queries: ${queries.map((q) => q.name).join(", ")}); anything else is taken as SQL`);
  }
  return { sql: arg };
}
