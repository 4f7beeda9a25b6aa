import type { AirSample } from "./SyntheticAir.ts";

/**
 * Replays hourly station records of the Beijing Multi-Site Air-Quality data set (Zhang et al.
 * 2017, UCI, CC BY 4.0) as the air a simulated board measures. The station reports in the units
 * of China's air-quality standard; the board's sensors see mixing ratios and relative humidity,
 * so each record is converted:
 *
 * - gases: µg/m³ to ppb at the record's own temperature and pressure, ppb = c · R·T / (M·P);
 * - humidity: from temperature and dew point with the Magnus formula (Alduchov and Eskridge
 *   1996 coefficients, 17.625 and 243.04 °C);
 * - PM1: the data set has none, so it is taken as 0.7 × PM2.5, a typical urban ratio. Replayed
 *   PM1 is therefore an assumption, not a measurement.
 *
 * Between two hourly records the air is interpolated linearly. A missing value ("NA") is
 * bridged from the nearest records that have it, so the board sees plausible air, never a gap.
 */

export interface StationRecord {
  /** Start of the record's hour, ms since the Unix epoch. */
  readonly at: number;
  /** Column name → value; NaN where the station reported NA. */
  readonly values: Readonly<Record<StationColumn, number>>;
}

export const STATION_COLUMNS = ["PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "TEMP", "PRES", "DEWP"] as const;
export type StationColumn = (typeof STATION_COLUMNS)[number];

/** The data set's times are Beijing local time, UTC+8, with no daylight saving. */
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const GAS_CONSTANT = 8.314462618;
/** Molar masses, g/mol. */
const MOLAR_MASS = { CO: 28.01, NO2: 46.0055, SO2: 64.066, O3: 47.997 } as const;
const PM1_PER_PM2_5 = 0.7;

export class StationDataError extends Error {}

/** Reads a Beijing multi-site CSV; every error names the source, the line and the column. */
export function parseStationCsv(text: string, source: string): StationRecord[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((cell) => cell.replaceAll('"', ""));
  const index = (name: string): number => {
    const column = header.indexOf(name);
    if (column < 0) throw new StationDataError(`${source}: the header has no column "${name}"`);
    return column;
  };
  const time = { year: index("year"), month: index("month"), day: index("day"), hour: index("hour") };
  const columns = STATION_COLUMNS.map((name) => [name, index(name)] as const);
  const records: StationRecord[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === "") continue;
    const cells = line.split(",");
    const where = `${source} line ${n + 1}`;
    const integer = (name: keyof typeof time): number => {
      const value = Number(cells[time[name]]);
      if (!Number.isInteger(value)) throw new StationDataError(`${where}, column "${name}": "${cells[time[name]] ?? ""}" is not an integer`);
      return value;
    };
    const at = Date.UTC(integer("year"), integer("month") - 1, integer("day"), integer("hour")) - BEIJING_OFFSET_MS;
    const values = {} as Record<StationColumn, number>;
    for (const [name, column] of columns) {
      const cell = cells[column];
      const value = cell === "NA" ? Number.NaN : Number(cell);
      if (cell === undefined || cell === "" || (cell !== "NA" && !Number.isFinite(value)))
        throw new StationDataError(`${where}, column "${name}": "${cell ?? ""}" is neither a number nor NA`);
      values[name] = value;
    }
    const previous = records.at(-1);
    if (previous && at <= previous.at) throw new StationDataError(`${where}: time ${new Date(at).toISOString()} does not follow the previous row's`);
    records.push({ at, values });
  }
  if (records.length < 2) throw new StationDataError(`${source}: at least two rows are needed to replay, found ${records.length}`);
  return records;
}

/** A gas's mixing ratio for a mass concentration at a temperature and pressure. */
export function microgramsToPpb(gas: keyof typeof MOLAR_MASS, microgramsPerM3: number, temperatureC: number, pressureHpa: number): number {
  const kelvin = temperatureC + 273.15;
  return (microgramsPerM3 * 1e3 * GAS_CONSTANT * kelvin) / (MOLAR_MASS[gas] * pressureHpa * 100);
}

/** Relative humidity (%) from temperature and dew point, both °C. */
export function humidityFromDewPoint(temperatureC: number, dewPointC: number): number {
  const magnus = (t: number) => Math.exp((17.625 * t) / (243.04 + t));
  return Math.min(100, Math.max(0, (100 * magnus(dewPointC)) / magnus(temperatureC)));
}

export class AirReplay {
  readonly #records: readonly StationRecord[];
  readonly #startAt: number;
  /** Per column, the indices of the records that have a value, for bridging NA. */
  readonly #present: Readonly<Record<StationColumn, readonly number[]>>;

  /** `startAt`: the board time (epoch ms) at which the first record is replayed. */
  constructor(records: readonly StationRecord[], options: { readonly startAt: number }) {
    this.#records = records;
    this.#startAt = options.startAt;
    const present = {} as Record<StationColumn, number[]>;
    for (const name of STATION_COLUMNS) {
      present[name] = records.flatMap((record, i) => (Number.isNaN(record.values[name]) ? [] : [i]));
      if (present[name].length === 0) throw new StationDataError(`column "${name}" has no value in any row`);
    }
    this.#present = present;
  }

  /** Replayed time span, ms. */
  get durationMs(): number {
    return this.#records.at(-1)!.at - this.#records[0]!.at;
  }

  at(epochMs: number): AirSample {
    const dataAt = this.#records[0]!.at + Math.min(Math.max(0, epochMs - this.#startAt), this.durationMs);
    const value = (name: StationColumn) => this.#value(name, dataAt);
    const temperature = value("TEMP");
    const pressure = value("PRES");
    const pm2_5 = value("PM2.5");
    return {
      temperature,
      humidity: humidityFromDewPoint(temperature, value("DEWP")),
      pm1: pm2_5 * PM1_PER_PM2_5,
      pm2_5,
      pm10: value("PM10"),
      co: microgramsToPpb("CO", value("CO"), temperature, pressure),
      no2: microgramsToPpb("NO2", value("NO2"), temperature, pressure),
      so2: microgramsToPpb("SO2", value("SO2"), temperature, pressure),
      o3: microgramsToPpb("O3", value("O3"), temperature, pressure),
    };
  }

  /** Linear between the nearest records on either side that have the column. */
  #value(name: StationColumn, dataAt: number): number {
    const indices = this.#present[name];
    const records = this.#records;
    let low = 0;
    let high = indices.length - 1;
    if (dataAt <= records[indices[low]!]!.at) return records[indices[low]!]!.values[name];
    if (dataAt >= records[indices[high]!]!.at) return records[indices[high]!]!.values[name];
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (records[indices[mid]!]!.at <= dataAt) low = mid;
      else high = mid;
    }
    const before = records[indices[low]!]!;
    const after = records[indices[high]!]!;
    const fraction = (dataAt - before.at) / (after.at - before.at);
    return before.values[name] + (after.values[name] - before.values[name]) * fraction;
  }
}
