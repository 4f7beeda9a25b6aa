import type { Json } from "@duckdb/node-api";
import type { QueryResult } from "./LakeQuery.ts";

export const QUERY_FORMATS = ["table", "csv", "json"] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** A query's answer as text for a terminal (aligned columns), a spreadsheet (RFC 4180 CSV) or a program (a JSON array of objects). */
export function formatResult(result: QueryResult, format: QueryFormat): string {
  if (format === "json") return formatJson(result);
  if (format === "csv") return formatCsv(result);
  return formatTable(result);
}

function text(value: Json): string {
  if (value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function formatTable({ columns, rows }: QueryResult): string {
  // NULL is spelled out in a table, where an empty cell and an empty string look alike.
  const cells = rows.map((row) => row.map((v) => (v === null ? "NULL" : text(v))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === "number"));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"})`);
  return `${out.join("\n")}\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function formatCsv({ columns, rows }: QueryResult): string {
  return [columns, ...rows.map((r) => r.map(text))].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

function formatJson({ columns, rows }: QueryResult): string {
  if (rows.length === 0) return "[]\n";
  const objects = rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]!]))));
  return `[\n${objects.join(",\n")}\n]\n`;
}
