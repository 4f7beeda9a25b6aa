import { readFileSync } from "node:fs";

/**
 * The Beijing multi-site columns scored, nine like the board's channels: the six pollutants and
 * temperature the board also measures, then dew point and pressure, the station's other two
 * continuous meteorological readings (the board's humidity and PM1 have no column here).
 */
export const BEIJING_CHANNELS = ["PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "TEMP", "DEWP", "PRES"] as const;

/**
 * The UCI air-quality columns scored: the reference analysers' CO, NOx and NO2, four of the metal-oxide
 * multisensor's responses, temperature and humidity (nine, as on the board). NMHC(GT) is missing
 * in 90 % of rows and C6H6(GT) is computed from a sensor, so neither is used.
 */
export const UCI_CHANNELS = ["CO(GT)", "NOx(GT)", "NO2(GT)", "PT08.S1(CO)", "PT08.S3(NOx)", "PT08.S4(NO2)", "PT08.S5(O3)", "T", "RH"] as const;

export interface AirQualityRows {
  /** Column names, one per channel, in the order of each row's values. */
  readonly channels: readonly string[];
  /** One array of channel values per row; NaN where the data set has none. */
  readonly rows: number[][];
  /** Each row's second of the day (the data set's local hour × 3600). */
  readonly secondsOfDay: number[];
}

function columnsOf(path: string, headerLine: string, header: readonly string[], wanted: readonly string[]): number[] {
  return wanted.map((name) => {
    const column = header.indexOf(name);
    if (column < 0) throw new Error(`${path}: no column "${name}" in header "${headerLine}"`);
    return column;
  });
}

/**
 * Reads hourly rows of a Beijing multi-site CSV (Zhang et al. 2017, UCI, CC BY 4.0); "NA"
 * becomes NaN, the scorer's "missing".
 */
export function readBeijingRows(path: string, limit = Number.POSITIVE_INFINITY, channels: readonly string[] = BEIJING_CHANNELS): AirQualityRows {
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const headerLine = lines[0] ?? "";
  const header = headerLine.split(",").map((cell) => cell.replaceAll('"', ""));
  const columns = columnsOf(path, headerLine, header, channels);
  const [hourColumn] = columnsOf(path, headerLine, header, ["hour"]) as [number];
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
  return { channels, rows, secondsOfDay };
}

/** The UCI file's marker for a missing value. */
const UCI_MISSING = -200;

/**
 * Reads the UCI air-quality CSV (De Vito et al. 2008, UCI, CC BY 4.0): `;`-separated, decimal
 * commas, Time as HH:00 or HH.00.00, −200 for missing (NaN here). The file ends in empty `;;;` rows,
 * which are skipped; any other row without a time is refused.
 */
export function readUciRows(path: string, limit = Number.POSITIVE_INFINITY): AirQualityRows {
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const headerLine = lines[0] ?? "";
  const header = headerLine.split(";");
  const columns = columnsOf(path, headerLine, header, UCI_CHANNELS);
  const [timeColumn] = columnsOf(path, headerLine, header, ["Time"]) as [number];
  const rows: number[][] = [];
  const secondsOfDay: number[] = [];
  for (let line = 1; line < lines.length && rows.length < limit; line++) {
    const cells = (lines[line] ?? "").split(";");
    if (cells.every((cell) => cell.trim() === "")) continue;
    const time = /^(\d{1,2})[.:]00(?:[.:]00)?$/.exec(cells[timeColumn] ?? "");
    const hour = Number(time?.[1]);
    if (!time || hour > 23) throw new Error(`${path} line ${line + 1}: Time "${cells[timeColumn]}" is not a whole hour (HH:00)`);
    secondsOfDay.push(hour * 3600);
    rows.push(
      columns.map((column) => {
        const cell = (cells[column] ?? "").replace(",", ".");
        const value = Number(cell);
        if (cell === "" || !Number.isFinite(value)) throw new Error(`${path} line ${line + 1}: "${cells[column]}" in ${header[column]} is not a number`);
        return value === UCI_MISSING ? Number.NaN : value;
      }),
    );
  }
  return { channels: UCI_CHANNELS, rows, secondsOfDay };
}
