import { parseScorerConfig, type ScorerConfig } from "../anomaly/ScorerConfig";
import type { CalibrationRecord } from "../gas/GasCalibration";
import { CHANNELS } from "../telemetry/Channels";
import { BATCH_WAIT_MAX_MS } from "../session/MqttSession";

/**
 * The settings the cloud may change through the Device Shadow's desired state, each checked on
 * its own: a bad field is rejected with a reason and the others still apply. Field names are the
 * same in `desired` and `reported`, so the shadow's delta clears once the board has applied them.
 */
export interface RuntimeSettings {
  readonly sampleIntervalMs: number;
  readonly readIntervalMs: number;
  /** How long a reading may wait for others to share its message (MqttSession's batchWaitMs); 0 sends at once. */
  readonly batchWaitMs: number;
  readonly anomaly: ScorerConfig;
}

/** Where an accepted calibration record goes: the board's CalibrationStore. */
export interface CalibrationTarget {
  replace(text: string): { readonly accepted: CalibrationRecord } | { readonly rejected: string };
}

export interface DesiredOutcome {
  readonly settings: RuntimeSettings;
  /** Names of the fields that took effect. */
  readonly applied: readonly string[];
  /** Field → why it was refused. */
  readonly rejected: Readonly<Record<string, string>>;
  /** The new calibration record, when one was accepted. */
  readonly calibration?: CalibrationRecord;
}

/** The same bounds as the build config's (BoardConfig), so what a build may set the cloud may set too. */
export const SAMPLE_INTERVAL_MIN_MS = 1_000;
export const SAMPLE_INTERVAL_MAX_MS = 3_600_000;
export const READ_INTERVAL_MIN_MS = 1_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function wholeMs(value: unknown, min: number, max: number): number | string {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    return `expected an integer from ${min} to ${max} ms, got ${JSON.stringify(value)}`;
  return value;
}

/**
 * Applies the fields of a desired state (a shadow delta, or the desired part of a shadow
 * document) to `current`. Unknown fields are rejected by name rather than ignored, so a typo in
 * the cloud shows up in the reported state.
 */
export function applyDesired(current: RuntimeSettings, desired: Record<string, unknown>, calibration: CalibrationTarget): DesiredOutcome {
  const applied: string[] = [];
  const rejected: Record<string, string> = {};
  let { sampleIntervalMs, readIntervalMs, batchWaitMs, anomaly } = current;
  let acceptedRecord: CalibrationRecord | undefined;

  const timing = { sample: sampleIntervalMs, read: readIntervalMs };
  const timingFields = ["sampleIntervalMs", "readIntervalMs"].filter((field) => field in desired);
  for (const field of timingFields) {
    const checked = wholeMs(desired[field], field === "sampleIntervalMs" ? SAMPLE_INTERVAL_MIN_MS : READ_INTERVAL_MIN_MS, SAMPLE_INTERVAL_MAX_MS);
    if (typeof checked === "string") rejected[field] = checked;
    else if (field === "sampleIntervalMs") timing.sample = checked;
    else timing.read = checked;
  }
  const timingAsked = timingFields.filter((field) => !(field in rejected));
  if (timingAsked.length > 0) {
    if (timing.sample % timing.read !== 0) {
      for (const field of timingAsked) rejected[field] = `sampleIntervalMs (${timing.sample}) must be a whole multiple of readIntervalMs (${timing.read})`;
    } else {
      sampleIntervalMs = timing.sample;
      readIntervalMs = timing.read;
      applied.push(...timingAsked);
    }
  }

  for (const field of Object.keys(desired)) {
    if (field === "sampleIntervalMs" || field === "readIntervalMs") continue;
    const value = desired[field];
    if (field === "batchWaitMs") {
      const checked = wholeMs(value, 0, BATCH_WAIT_MAX_MS);
      if (typeof checked === "string") rejected.batchWaitMs = checked;
      else {
        batchWaitMs = checked;
        applied.push("batchWaitMs");
      }
    } else if (field === "anomaly") {
      if (!isRecord(value)) rejected.anomaly = `expected an object of scorer settings, got ${JSON.stringify(value)}`;
      else {
        try {
          // Fields left out keep their current values, so the cloud can tune one threshold at a time.
          const next = parseScorerConfig({ ...anomaly, ...value });
          if (next.channels !== CHANNELS.length)
            rejected.anomaly = `anomaly scorer config.channels: this board scores ${CHANNELS.length} channels, got ${next.channels}`;
          else {
            anomaly = next;
            applied.push("anomaly");
          }
        } catch (error) {
          rejected.anomaly = error instanceof Error ? error.message : String(error);
        }
      }
    } else if (field === "calibration") {
      if (!isRecord(value)) rejected.calibration = `expected a calibration record object, got ${JSON.stringify(value)}`;
      else {
        const result = calibration.replace(JSON.stringify(value));
        if ("rejected" in result) rejected.calibration = result.rejected;
        else {
          acceptedRecord = result.accepted;
          applied.push("calibration");
        }
      }
    } else {
      rejected[field] = "not a setting this board has";
    }
  }
  const settings = { sampleIntervalMs, readIntervalMs, batchWaitMs, anomaly };
  return acceptedRecord ? { settings, applied, rejected, calibration: acceptedRecord } : { settings, applied, rejected };
}

/** The settings kept in preferences, so a reboot starts with what the cloud last set. */
export interface SettingsPreferences {
  get(domain: string, key: string): unknown;
  set(domain: string, key: string, value: string): void;
}

const DOMAIN = "aqm";
const KEY = "settings";

/** Loads the stored settings over the build's; a stored value that no longer checks out is ignored field by field. */
export function loadSettings(
  preferences: SettingsPreferences,
  build: RuntimeSettings,
): { readonly settings: RuntimeSettings; readonly ignored: Readonly<Record<string, string>> } {
  const stored = preferences.get(DOMAIN, KEY);
  if (typeof stored !== "string") return { settings: build, ignored: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return { settings: build, ignored: { settings: `preference ${DOMAIN}/${KEY} is not JSON` } };
  }
  if (!isRecord(parsed)) return { settings: build, ignored: { settings: `preference ${DOMAIN}/${KEY} is not an object` } };
  const outcome = applyDesired(build, parsed, { replace: () => ({ rejected: "calibration is stored on its own" }) });
  return { settings: outcome.settings, ignored: outcome.rejected };
}

/**
 * Keeps the fields the cloud set (`applied`, with their values from `settings`) on top of those it
 * set before. Fields it never set are not stored, so a new build's defaults still reach them.
 */
export function storeApplied(preferences: SettingsPreferences, settings: RuntimeSettings, applied: readonly string[]): void {
  const stored = preferences.get(DOMAIN, KEY);
  let kept: Record<string, unknown> = {};
  if (typeof stored === "string") {
    try {
      const parsed: unknown = JSON.parse(stored);
      if (isRecord(parsed)) kept = parsed;
    } catch {
      // A damaged entry is replaced by what was just applied.
    }
  }
  const values = settings as unknown as Record<string, unknown>;
  for (const field of applied) if (field in values) kept[field] = values[field];
  preferences.set(DOMAIN, KEY, JSON.stringify(kept));
}
