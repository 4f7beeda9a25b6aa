import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_SCORER_CONFIG } from "../../../firmware/anomaly/ScorerConfig";
import { CalibrationStore } from "../../../firmware/board/CalibrationStore";
import { applyDesired, loadSettings, storeApplied, type RuntimeSettings } from "../../../firmware/shadow/RuntimeSettings";
import { SIMULATED_CALIBRATION } from "../../../host-tools/board-sim/models/AlphasenseB4Model.ts";

const BUILD: RuntimeSettings = { sampleIntervalMs: 60_000, readIntervalMs: 5_000, batchWaitMs: 0, anomaly: DEFAULT_SCORER_CONFIG };

function memoryPreferences() {
  const values = new Map<string, string>();
  return {
    values,
    get: (domain: string, key: string): unknown => values.get(`${domain}/${key}`),
    set: (domain: string, key: string, value: string) => void values.set(`${domain}/${key}`, value),
  };
}

const noCalibration = { replace: () => ({ rejected: "unused" }) };

test("each field is checked on its own: good ones apply, bad ones are refused with the reason, unknown ones are named", () => {
  const outcome = applyDesired(BUILD, { sampleIntervalMs: 120_000, readIntervalMs: 0, anomaly: { threshold: 2 }, colour: "red" }, noCalibration);
  assert.deepEqual(outcome.applied, ["sampleIntervalMs"], "120 s suits the current 5 s reads, so it applies without the refused read interval");
  assert.deepEqual(Object.keys(outcome.rejected).sort(), ["anomaly", "colour", "readIntervalMs"]);
  assert.equal(outcome.rejected.readIntervalMs, "expected an integer from 1000 to 3600000 ms, got 0");
  assert.match(outcome.rejected.anomaly!, /threshold/);
  assert.equal(outcome.rejected.colour, "not a setting this board has");
  assert.deepEqual(outcome.settings, { ...BUILD, sampleIntervalMs: 120_000 }, "only the good field changed");
});

test("the two intervals are checked together: a pair that divides applies as one; anomaly fields merge over the current ones", () => {
  const outcome = applyDesired(BUILD, { sampleIntervalMs: 30_000, readIntervalMs: 10_000, anomaly: { threshold: 0.5 } }, noCalibration);
  assert.deepEqual(outcome.applied, ["sampleIntervalMs", "readIntervalMs", "anomaly"]);
  assert.deepEqual(outcome.rejected, {});
  assert.equal(outcome.settings.sampleIntervalMs, 30_000);
  assert.equal(outcome.settings.readIntervalMs, 10_000);
  assert.deepEqual(outcome.settings.anomaly, { ...DEFAULT_SCORER_CONFIG, threshold: 0.5 });
  assert.equal(
    applyDesired(BUILD, { sampleIntervalMs: 62_000 }, noCalibration).rejected.sampleIntervalMs,
    "sampleIntervalMs (62000) must be a whole multiple of readIntervalMs (5000)",
  );
  assert.equal(applyDesired(BUILD, { anomaly: [1] }, noCalibration).rejected.anomaly, "expected an object of scorer settings, got [1]");
});

test("a calibration record goes through the board's CalibrationStore: a valid one is stored, an invalid one refused with the store's reason and the old one kept", () => {
  const preferences = memoryPreferences();
  const store = new CalibrationStore(preferences);
  store.replace(JSON.stringify(SIMULATED_CALIBRATION));
  const good = applyDesired(BUILD, { calibration: { ...SIMULATED_CALIBRATION, id: "next" } }, store);
  assert.deepEqual(good.applied, ["calibration"]);
  assert.equal(good.calibration?.id, "next");
  assert.equal(store.current?.id, "next");
  const bad = applyDesired(BUILD, { calibration: { ...SIMULATED_CALIBRATION, id: "broken", so2: undefined } }, store);
  assert.match(bad.rejected.calibration!, /so2/);
  assert.equal(store.current?.id, "next");
  assert.equal(JSON.parse(preferences.values.get("aqm/calibration")!).id, "next");
});

test("only the fields the cloud set are stored, cumulatively; a stored field that no longer checks out is ignored by name and the build's value used", () => {
  const preferences = memoryPreferences();
  storeApplied(preferences, { ...BUILD, sampleIntervalMs: 120_000 }, ["sampleIntervalMs"]);
  storeApplied(preferences, { ...BUILD, sampleIntervalMs: 120_000, anomaly: { ...DEFAULT_SCORER_CONFIG, threshold: 0.6 } }, ["anomaly"]);
  assert.deepEqual(Object.keys(JSON.parse(preferences.values.get("aqm/settings")!)), ["sampleIntervalMs", "anomaly"]);
  const loaded = loadSettings(preferences, BUILD);
  assert.equal(loaded.settings.sampleIntervalMs, 120_000);
  assert.equal(loaded.settings.anomaly.threshold, 0.6);
  assert.equal(loaded.settings.readIntervalMs, 5_000, "never set by the cloud: the build's");

  preferences.set("aqm", "settings", JSON.stringify({ sampleIntervalMs: 7 }));
  const stale = loadSettings(preferences, BUILD);
  assert.equal(stale.settings.sampleIntervalMs, 60_000);
  assert.match(stale.ignored.sampleIntervalMs!, /expected an integer/);
  preferences.set("aqm", "settings", "{torn");
  assert.deepEqual(loadSettings(preferences, BUILD), { settings: BUILD, ignored: { settings: "preference aqm/settings is not JSON" } });
});

test("the batch wait is whole milliseconds from 0 to an hour; a bad one is refused with the reason and the old one kept; a good one is stored", () => {
  const preferences = memoryPreferences();
  const good = applyDesired(BUILD, { batchWaitMs: 600_000 }, noCalibration);
  assert.deepEqual(good.applied, ["batchWaitMs"]);
  assert.equal(good.settings.batchWaitMs, 600_000);
  storeApplied(preferences, good.settings, good.applied);
  assert.equal(loadSettings(preferences, BUILD).settings.batchWaitMs, 600_000, "after a restart the cloud's wait is still in use");
  for (const bad of [-1, 3_600_001, 1.5, "600000", null]) {
    const outcome = applyDesired(good.settings, { batchWaitMs: bad }, noCalibration);
    assert.equal(outcome.rejected.batchWaitMs, `expected an integer from 0 to 3600000 ms, got ${JSON.stringify(bad)}`);
    assert.equal(outcome.settings.batchWaitMs, 600_000);
  }
});
