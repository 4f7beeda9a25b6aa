import { CalibrationError, parseCalibrationRecord, type CalibrationRecord } from "../gas/GasCalibration";

/** The part of Moddable's `preference` module the store uses. */
export interface CalibrationPreferences {
  /** Whatever the store holds; anything but a string is reported as invalid. */
  get(domain: string, key: string): unknown;
  set(domain: string, key: string, value: string): void;
}

/** Preference names are at most 15 characters (ESP-IDF NVS). */
const DOMAIN = "aqm";
const KEY = "calibration";
/** The largest value NVS stores under one key. */
const MAX_BYTES = 4000;

export type CalibrationLoad = { readonly record: CalibrationRecord } | { readonly missing: true } | { readonly invalid: string };
export type CalibrationReplace = { readonly accepted: CalibrationRecord } | { readonly rejected: string };

/**
 * The board's gas-sensor calibration record, kept as JSON in non-volatile preferences so it survives
 * restarts and firmware updates. A replacement is checked in full before it is written: a bad record
 * never replaces a good one.
 */
export class CalibrationStore {
  readonly #preferences: CalibrationPreferences;
  #current: CalibrationRecord | undefined;

  constructor(preferences: CalibrationPreferences) {
    this.#preferences = preferences;
  }

  get current(): CalibrationRecord | undefined {
    return this.#current;
  }

  /** Reads the stored record at boot. */
  load(): CalibrationLoad {
    const stored = this.#preferences.get(DOMAIN, KEY);
    if (stored === undefined) return { missing: true };
    if (typeof stored !== "string") return { invalid: `preference ${DOMAIN}/${KEY} holds a ${typeof stored}, not JSON text` };
    const parsed = parse(stored);
    if ("rejected" in parsed) return { invalid: parsed.rejected };
    this.#current = parsed.accepted;
    return { record: parsed.accepted };
  }

  /** Checks `text` and, if it is a valid record, stores it and makes it current; otherwise keeps the current one. */
  replace(text: string): CalibrationReplace {
    // Length in characters bounds the UTF-8 bytes from below; the record is ASCII in practice, and a longer one is rejected by NVS anyway.
    if (text.length > MAX_BYTES) return { rejected: `record is ${text.length} characters; preferences hold at most ${MAX_BYTES}` };
    const parsed = parse(text);
    if ("accepted" in parsed) {
      this.#preferences.set(DOMAIN, KEY, text);
      this.#current = parsed.accepted;
    }
    return parsed;
  }
}

function parse(text: string): CalibrationReplace {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { rejected: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    return { accepted: parseCalibrationRecord(value) };
  } catch (error) {
    if (error instanceof CalibrationError) return { rejected: error.message };
    throw error;
  }
}
