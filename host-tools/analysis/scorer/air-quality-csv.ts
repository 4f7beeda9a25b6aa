import { readFileSync } from "node:fs";

/** The Beijing multi-site channels the board also measures, in the data set's column names. */
export const BEIJING_CHANNELS = ["PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "TEMP"] as const;

export interface AirQualityRows {
  /** One array of channel values per row. */
  readonly rows: number[][];
  /** Each row's second of the day (the data set's local hour × 3600). */
  readonly secondsOfDay: number[];
}

/**
 * Reads hourly rows of a Beijing multi-site CSV (Zhang et al. 2017, UCI, CC BY 4.0); "NA"
 * becomes NaN, the scorer's "missing".
 */
export function readBeijingRows(path: string, limit = Number.POSITIVE_INFINITY): AirQualityRows {
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((cell) => cell.replaceAll('"', ""));
  const columns = BEIJING_CHANNELS.map((name) => {
    const column = header.indexOf(name);
    if (column < 0) throw new Error(`${path}: no column "${name}" in header "${lines[0]}"`);
    return column;
  });
  const hourColumn = header.indexOf("hour");
  if (hourColumn < 0) throw new Error(`${path}: no column "hour" in header "${lines[0]}"`);
  const rows: number[][] = [];
  const secondsOfDay: number[] = [];
  for (let line = 1; line < lines.length && rows.length < limit; line++) {
    const text = lines[line];
    if (!text) continue;
    const cells = text.split(",");
    const hour = Number(cells[hourColumn]);
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new Error(`${path} line ${line + 1}: hour "${cells[hourColumn]}" is not 0…23`);
    secondsOfDay.push(hour * 3600);
    rows.push(
      columns.map((column) => {
        const cell = cells[column];
        if (cell === "NA") return Number.NaN;
        const value = Number(cell);
        if (cell === undefined || cell === "" || !Number.isFinite(value)) throw new Error(`${path} line ${line + 1}: "${cell}" is neither a number nor NA`);
        return value;
      }),
    );
  }
  return { rows, secondsOfDay };
}
