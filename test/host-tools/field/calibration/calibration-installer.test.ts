import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CalibrationStore, type CalibrationPreferences } from "../../../../firmware/board/CalibrationStore";
import { checkCalibrationFile, installCalibration } from "../../../../host-tools/field/calibration/CalibrationInstaller.ts";
import { SIMULATED_CALIBRATION } from "../../../../host-tools/board-sim/models/AlphasenseB4Model.ts";

function memory(initial: Record<string, string | number> = {}): CalibrationPreferences & { values: Map<string, string | number | boolean | ArrayBuffer> } {
  const values = new Map<string, string | number | boolean | ArrayBuffer>(Object.entries(initial));
  return {
    values,
    get: (domain, key) => values.get(`${domain}/${key}`),
    set: (domain, key, value) => void values.set(`${domain}/${key}`, value),
  };
}

const good = JSON.stringify(SIMULATED_CALIBRATION);
const withSensitivity = (no2: unknown) =>
  JSON.stringify({ ...SIMULATED_CALIBRATION, id: "replacement", no2: { ...SIMULATED_CALIBRATION.no2, sensitivityMvPerPpb: no2 } });

test("a stored record loads at boot; none stored and a damaged one are told apart", () => {
  assert.deepEqual(new CalibrationStore(memory({ "aqm/calibration": good })).load(), { record: SIMULATED_CALIBRATION });
  assert.deepEqual(new CalibrationStore(memory()).load(), { missing: true });
  const damaged = new CalibrationStore(memory({ "aqm/calibration": good.slice(0, 40) })).load();
  assert.ok("invalid" in damaged && damaged.invalid.startsWith("not JSON"), JSON.stringify(damaged));
  assert.deepEqual(new CalibrationStore(memory({ "aqm/calibration": 7 })).load(), { invalid: "preference aqm/calibration holds a number, not JSON text" });
});

test("a valid replacement is stored and used; an invalid one is rejected with the field named, and the old one stays, in use and in storage", () => {
  const preferences = memory({ "aqm/calibration": good });
  const store = new CalibrationStore(preferences);
  store.load();
  const rejected = store.replace(withSensitivity("0.3"));
  assert.ok("rejected" in rejected && rejected.rejected.includes("no2.sensitivityMvPerPpb"), JSON.stringify(rejected));
  assert.equal(store.current?.id, SIMULATED_CALIBRATION.id);
  assert.equal(preferences.values.get("aqm/calibration"), good);
  assert.ok("rejected" in store.replace("{"));
  assert.deepEqual(store.replace("x".repeat(4001)), { rejected: "record is 4001 characters; preferences hold at most 4000" });
  const accepted = store.replace(withSensitivity(0.31));
  assert.ok("accepted" in accepted);
  assert.equal(store.current?.id, "replacement");
  assert.equal(preferences.values.get("aqm/calibration"), withSensitivity(0.31));
});

test("aqm calibration install writes a checked record into a simulated board's preferences, and refuses a bad one without touching them", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-cal-"));
  const file = path.join(dir, "cal.json");
  writeFileSync(file, good);
  assert.equal(checkCalibrationFile(file).record.id, SIMULATED_CALIBRATION.id);
  assert.deepEqual(installCalibration(file, dir), { id: SIMULATED_CALIBRATION.id });
  const stored = JSON.parse(readFileSync(path.join(dir, "nvs.json"), "utf8")) as { aqm: { calibration: string } };
  assert.equal(stored.aqm.calibration, good);
  const bad = path.join(dir, "bad.json");
  writeFileSync(bad, withSensitivity("0.3"));
  assert.throws(
    () => installCalibration(bad, dir),
    (error: Error) => error.message.startsWith(`${bad}: no2.sensitivityMvPerPpb`),
  );
  assert.equal((JSON.parse(readFileSync(path.join(dir, "nvs.json"), "utf8")) as typeof stored).aqm.calibration, good);
  assert.throws(() => installCalibration(file, path.join(dir, "nope")), /no such board folder/);
});
