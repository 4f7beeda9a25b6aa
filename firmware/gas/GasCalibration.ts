import type { GasSensorCalibration, GasSensorType } from "./AlphasenseB4";

/** A board's gas calibration: one Alphasense sheet per cell, in the slot it is wired to (docs/gas-sensors.md). */
export interface CalibrationRecord {
  readonly id: string;
  readonly co: GasSensorCalibration;
  readonly no2: GasSensorCalibration;
  readonly so2: GasSensorCalibration;
  readonly ox: GasSensorCalibration;
}

/** A record that failed a check; `field` is the path of the offending value ("no2.sensitivityMvPerPpb"), "" for the whole record. */
export class CalibrationError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(field === "" ? problem : `${field}: ${problem}`);
    this.name = "CalibrationError";
    this.field = field;
  }
}

type Slot = "co" | "no2" | "so2" | "ox";

const slotTypes: Readonly<Record<Slot, GasSensorType>> = Object.freeze({ co: "CO-B4", no2: "NO2-B43F", so2: "SO2-B4", ox: "OX-B431" });
const SLOTS: readonly Slot[] = ["co", "no2", "so2", "ox"];

/**
 * Plausible sheet values. Wide enough for any real ISB sheet, narrow enough to catch a value in the
 * wrong unit (V for mV, nA/ppm for mV/ppb) or a swapped field:
 * - electronic zeros: the ISB's output offset, a few hundred mV on Alphasense's sheets;
 * - sensor zeros: the cell's zero current (datasheets: at most tens of nA) times the ISB gain (< 1 mV/nA);
 * - sensitivities: datasheet nA/ppm ÷ 1000 times the ISB gain gives 0.1…0.6 mV/ppb for these parts;
 *   either sign is accepted, since a sheet may print the NO2-B43F's negative current sensitivity.
 */
const ELECTRONIC_ZERO_MV = { min: 1, max: 1000 } as const;
const SENSOR_ZERO_MV = { min: -300, max: 300 } as const;
const SENSITIVITY_MV_PER_PPB = { min: 0.02, max: 2 } as const;

/** Alphasense serial numbers are nine digits, the first three coding the sensor type. */
const SERIAL = /^[0-9]{9}$/;
/** Record ids end up in log lines and telemetry; keep them to safe characters. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const RECORD_KEYS: readonly string[] = ["id", ...SLOTS];
const SHEET_KEYS: readonly string[] = [
  "type",
  "serial",
  "weElectronicZeroMv",
  "aeElectronicZeroMv",
  "weSensorZeroMv",
  "aeSensorZeroMv",
  "sensitivityMvPerPpb",
  "no2SensitivityMvPerPpb",
];

function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || Array.isArray(value)) return value === null ? "null" : "an array";
  if (typeof value === "object") return "an object";
  return String(value);
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CalibrationError(field, `expected an object, got ${shown(value)}`);
  return value as Record<string, unknown>;
}

function onlyKnownKeys(value: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new CalibrationError(prefix + key, "unknown field");
  }
}

function number(value: unknown, field: string, range: { readonly min: number; readonly max: number }, unit: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new CalibrationError(field, `expected a finite number, got ${shown(value)}`);
  if (value < range.min || value > range.max) throw new CalibrationError(field, `${value} ${unit} is outside the plausible ${range.min}…${range.max} ${unit}`);
  return value;
}

function sensitivity(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value === 0)
    throw new CalibrationError(field, `expected a finite number other than 0, got ${shown(value)}`);
  const magnitude = Math.abs(value);
  if (magnitude < SENSITIVITY_MV_PER_PPB.min || magnitude > SENSITIVITY_MV_PER_PPB.max) {
    throw new CalibrationError(
      field,
      `${value} mV/ppb is outside the plausible ${SENSITIVITY_MV_PER_PPB.min}…${SENSITIVITY_MV_PER_PPB.max} mV/ppb (either sign)`,
    );
  }
  return value;
}

function sheet(value: unknown, slot: Slot): GasSensorCalibration {
  const fields = object(value, slot);
  const path = (key: string) => `${slot}.${key}`;
  onlyKnownKeys(fields, SHEET_KEYS, `${slot}.`);
  const expected = slotTypes[slot];
  if (fields.type !== expected) throw new CalibrationError(path("type"), `expected "${expected}" in this slot, got ${shown(fields.type)}`);
  const serial = fields.serial;
  if (typeof serial !== "string" || !SERIAL.test(serial))
    throw new CalibrationError(path("serial"), `expected a nine-digit Alphasense serial number as a string, got ${shown(serial)}`);
  const parsed = {
    type: expected,
    serial,
    weElectronicZeroMv: number(fields.weElectronicZeroMv, path("weElectronicZeroMv"), ELECTRONIC_ZERO_MV, "mV"),
    aeElectronicZeroMv: number(fields.aeElectronicZeroMv, path("aeElectronicZeroMv"), ELECTRONIC_ZERO_MV, "mV"),
    weSensorZeroMv: number(fields.weSensorZeroMv, path("weSensorZeroMv"), SENSOR_ZERO_MV, "mV"),
    aeSensorZeroMv: number(fields.aeSensorZeroMv, path("aeSensorZeroMv"), SENSOR_ZERO_MV, "mV"),
    sensitivityMvPerPpb: sensitivity(fields.sensitivityMvPerPpb, path("sensitivityMvPerPpb")),
  };
  if (slot !== "ox") {
    if (fields.no2SensitivityMvPerPpb !== undefined)
      throw new CalibrationError(path("no2SensitivityMvPerPpb"), `only the OX-B431 has an NO2 sensitivity; remove it from a ${expected}`);
    return Object.freeze(parsed);
  }
  return Object.freeze({ ...parsed, no2SensitivityMvPerPpb: sensitivity(fields.no2SensitivityMvPerPpb, path("no2SensitivityMvPerPpb")) });
}

/**
 * Checks a parsed JSON value as a calibration record and returns it typed and frozen. Throws a
 * CalibrationError naming the first field that is missing, of the wrong type, implausible, in the
 * wrong slot, or not known, so a bad record is refused with a reason a technician can act on.
 */
export function parseCalibrationRecord(value: unknown): CalibrationRecord {
  const fields = object(value, "");
  onlyKnownKeys(fields, RECORD_KEYS, "");
  const id = fields.id;
  if (typeof id !== "string" || !ID.test(id))
    throw new CalibrationError("id", `expected 1…64 letters, digits, ".", "_" or "-", starting with a letter or digit, got ${shown(id)}`);
  const sheets = {} as Record<Slot, GasSensorCalibration>;
  for (const slot of SLOTS) sheets[slot] = sheet(fields[slot], slot);
  // One sheet copied into two slots is a typing slip that would silently mis-calibrate a cell.
  for (let i = 0; i < SLOTS.length; i++) {
    for (let j = 0; j < i; j++) {
      if (sheets[SLOTS[i]!].serial === sheets[SLOTS[j]!].serial)
        throw new CalibrationError(`${SLOTS[i]}.serial`, `${sheets[SLOTS[i]!].serial} is also the ${SLOTS[j]} sensor's serial`);
    }
  }
  return Object.freeze({ id, co: sheets.co, no2: sheets.no2, so2: sheets.so2, ox: sheets.ox });
}
