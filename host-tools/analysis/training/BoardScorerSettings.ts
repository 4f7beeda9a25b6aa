import { existsSync } from "node:fs";
import path from "node:path";
import { DEFAULT_SCORER_CONFIG, type ScorerConfig } from "../../../firmware/anomaly/ScorerConfig.ts";
import { loadSettings, READ_INTERVAL_MIN_MS, SAMPLE_INTERVAL_MIN_MS } from "../../../firmware/shadow/RuntimeSettings.ts";
import { NvsStore } from "../../board-sim/board/NvsStore.ts";

/** A thing's scorer settings as far as the host knows them, and where they came from (for the report). */
export interface KnownScorerConfig {
  readonly config: ScorerConfig;
  readonly source: string;
}

export type ScorerConfigLookup = (thing: string) => KnownScorerConfig;

/** The build's settings: what every board runs until the cloud changes them. */
export const BUILD_DEFAULTS: KnownScorerConfig = Object.freeze({
  config: DEFAULT_SCORER_CONFIG,
  source: "the firmware's defaults (firmware/anomaly/ScorerConfig.ts)",
});

/**
 * The local twin's boards keep the settings the cloud gave them in `<state>/boards/<thing>/nvs.json`;
 * read them as the firmware does at start-up (loadSettings over the build's defaults). A thing with
 * no such file (a real board, or one never changed) runs the build's defaults as far as the host
 * can tell, and the report says so.
 */
export function localTwinScorerConfig(stateDir: string): ScorerConfigLookup {
  return (thing) => {
    const file = path.join(stateDir, "boards", thing, "nvs.json");
    if (!existsSync(file)) return BUILD_DEFAULTS;
    // Only the anomaly settings are read back; the timings are placeholders loadSettings needs.
    const build = { sampleIntervalMs: SAMPLE_INTERVAL_MIN_MS, readIntervalMs: READ_INTERVAL_MIN_MS, batchWaitMs: 0, anomaly: DEFAULT_SCORER_CONFIG };
    const { settings } = loadSettings(new NvsStore({ file }), build);
    return { config: settings.anomaly, source: `the board's stored settings (${file})` };
  };
}
