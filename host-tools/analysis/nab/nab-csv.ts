import { readFileSync } from "node:fs";
import { canonicalTimestamp } from "./nab-timestamp.ts";

/** A time series read from one NAB CSV: a timestamp column and one numeric column. */
export interface NabSeries {
  readonly timestamps: readonly string[];
  readonly values: readonly number[];
}

/**
 * Reads timestamp and one numeric column from a NAB CSV. Columns are found by
 * header name because files differ: data/ has timestamp,value and detector
 * results add anomaly_score plus detector-specific columns (null has no raw_score).
 */
export function readNabCsv(path: string, column: "value" | "anomaly_score"): NabSeries {
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const header = (lines[0] ?? "").split(",");
  const timeColumn = header.indexOf("timestamp");
  const valueColumn = header.indexOf(column);
  if (timeColumn < 0 || valueColumn < 0) throw new Error(`${path}: header lacks timestamp or ${column}: "${lines[0]}"`);
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let row = 1; row < lines.length; row++) {
    const line = lines[row];
    if (!line) continue;
    const cells = line.split(",");
    const where = `${path} line ${row + 1}`;
    const cell = cells[valueColumn];
    const value = Number(cell);
    if (cell === undefined || cell.trim() === "" || !Number.isFinite(value)) {
      throw new Error(`${where}: ${column} "${cell}" is not a number`);
    }
    timestamps.push(canonicalTimestamp(cells[timeColumn] ?? "", where));
    values.push(value);
  }
  return { timestamps, values };
}
