import assert from "node:assert/strict";
import { test } from "node:test";
import { CalibrationError, parseCalibrationRecord } from "../../../firmware/gas/GasCalibration";
import { SIMULATED_CALIBRATION } from "../../../host-tools/board-sim/models/AlphasenseB4Model.ts";

/** The simulated record as it arrives from storage or the cloud: plain JSON. */
function record(): Record<string, unknown> & Record<"co" | "no2" | "so2" | "ox", Record<string, unknown>> {
  return JSON.parse(JSON.stringify(SIMULATED_CALIBRATION)) as ReturnType<typeof record>;
}

function rejects(change: (value: ReturnType<typeof record>) => unknown, field: string, message: string): void {
  const value = record();
  const replaced = change(value);
  assert.throws(
    () => parseCalibrationRecord(replaced === undefined ? value : replaced),
    (error: unknown) => {
      assert.ok(error instanceof CalibrationError, String(error));
      assert.equal(error.field, field);
      // The message leads with the path, so the reason a board logs points at the field to fix.
      assert.equal(error.message, field === "" ? message : `${field}: ${message}`);
      return true;
    },
  );
}

test("a valid record parses to the same values, frozen, with the OX sheet's NO2 sensitivity", () => {
  const parsed = parseCalibrationRecord(record());
  assert.deepEqual(parsed, SIMULATED_CALIBRATION);
  assert.ok(Object.isFrozen(parsed) && Object.isFrozen(parsed.co) && Object.isFrozen(parsed.ox));
  assert.equal(parsed.ox.no2SensitivityMvPerPpb, 0.398);
  assert.equal("no2SensitivityMvPerPpb" in parsed.no2, false);
});

test("the simulated record passes its own checks, so simulated boards boot calibrated", () => {
  assert.doesNotThrow(() => parseCalibrationRecord(SIMULATED_CALIBRATION));
});

test("a NO2-B43F sheet may print its sensitivity negative (its current falls with NO2); the sign is kept", () => {
  const value = record();
  value.no2.sensitivityMvPerPpb = -0.291;
  assert.equal(parseCalibrationRecord(value).no2.sensitivityMvPerPpb, -0.291);
});

test("the record itself must be an object with an id of safe characters and nothing unknown", () => {
  rejects(() => null, "", "expected an object, got null");
  rejects(() => [1], "", "expected an object, got an array");
  rejects(() => "calibration", "", 'expected an object, got "calibration"');
  rejects((v) => void (v.id = 7), "id", 'expected 1…64 letters, digits, ".", "_" or "-", starting with a letter or digit, got 7');
  rejects((v) => void (v.id = ""), "id", 'expected 1…64 letters, digits, ".", "_" or "-", starting with a letter or digit, got ""');
  rejects((v) => void (v.id = "bad id\n"), "id", 'expected 1…64 letters, digits, ".", "_" or "-", starting with a letter or digit, got "bad id\\n"');
  rejects(
    (v) => void (v.id = "x".repeat(65)),
    "id",
    `expected 1…64 letters, digits, ".", "_" or "-", starting with a letter or digit, got "${"x".repeat(65)}"`,
  );
  rejects((v) => void (v.h2s = {}), "h2s", "unknown field");
  rejects((v) => void delete (v as Record<string, unknown>).so2, "so2", "expected an object, got undefined");
});

test("each sensor must sit in its own slot", () => {
  rejects((v) => void (v.co.type = "NO2-B43F"), "co.type", 'expected "CO-B4" in this slot, got "NO2-B43F"');
  rejects((v) => void ([v.no2, v.ox] = [v.ox, v.no2]), "no2.type", 'expected "NO2-B43F" in this slot, got "OX-B431"');
  rejects((v) => void delete v.so2.type, "so2.type", 'expected "SO2-B4" in this slot, got undefined');
});

test("serials are nine-digit strings, one per sensor", () => {
  const message = (got: string) => `expected a nine-digit Alphasense serial number as a string, got ${got}`;
  rejects((v) => void (v.co.serial = 162000101), "co.serial", message("162000101"));
  rejects((v) => void (v.co.serial = "16200010"), "co.serial", message('"16200010"'));
  rejects((v) => void (v.co.serial = "16200010A"), "co.serial", message('"16200010A"'));
  rejects((v) => void (v.ox.serial = v.no2.serial), "ox.serial", "202000102 is also the no2 sensor's serial");
});

test("every number must be finite and plausible, and the message names the field path", () => {
  rejects((v) => void (v.co.weElectronicZeroMv = "338"), "co.weElectronicZeroMv", 'expected a finite number, got "338"');
  rejects((v) => void (v.co.aeElectronicZeroMv = null), "co.aeElectronicZeroMv", "expected a finite number, got null");
  rejects((v) => void (v.so2.weElectronicZeroMv = 0.338), "so2.weElectronicZeroMv", "0.338 mV is outside the plausible 1…1000 mV");
  rejects((v) => void (v.so2.aeElectronicZeroMv = 3380), "so2.aeElectronicZeroMv", "3380 mV is outside the plausible 1…1000 mV");
  rejects((v) => void delete v.ox.weSensorZeroMv, "ox.weSensorZeroMv", "expected a finite number, got undefined");
  rejects((v) => void (v.no2.aeSensorZeroMv = -450), "no2.aeSensorZeroMv", "-450 mV is outside the plausible -300…300 mV");
  rejects((v) => void (v.no2.sensitivityMvPerPpb = "abc"), "no2.sensitivityMvPerPpb", 'expected a finite number other than 0, got "abc"');
  rejects((v) => void (v.no2.sensitivityMvPerPpb = 0), "no2.sensitivityMvPerPpb", "expected a finite number other than 0, got 0");
  rejects((v) => void (v.co.sensitivityMvPerPpb = 420), "co.sensitivityMvPerPpb", "420 mV/ppb is outside the plausible 0.02…2 mV/ppb (either sign)");
  rejects((v) => void (v.co.sensitivityMvPerPpb = 0.00042), "co.sensitivityMvPerPpb", "0.00042 mV/ppb is outside the plausible 0.02…2 mV/ppb (either sign)");
});

test("the NO2 cross-sensitivity belongs to the OX sheet only", () => {
  rejects((v) => void delete v.ox.no2SensitivityMvPerPpb, "ox.no2SensitivityMvPerPpb", "expected a finite number other than 0, got undefined");
  rejects((v) => void (v.ox.no2SensitivityMvPerPpb = Infinity), "ox.no2SensitivityMvPerPpb", "expected a finite number other than 0, got Infinity");
  rejects((v) => void (v.co.no2SensitivityMvPerPpb = 0.4), "co.no2SensitivityMvPerPpb", "only the OX-B431 has an NO2 sensitivity; remove it from a CO-B4");
  rejects((v) => void (v.so2.sensitivity = 0.3), "so2.sensitivity", "unknown field");
});

test("CalibrationError is an Error whose message starts with the field path", () => {
  const error = new CalibrationError("no2.sensitivityMvPerPpb", 'expected a finite number other than 0, got "abc"');
  assert.ok(error instanceof Error);
  assert.equal(error.name, "CalibrationError");
  assert.equal(error.message, 'no2.sensitivityMvPerPpb: expected a finite number other than 0, got "abc"');
});
