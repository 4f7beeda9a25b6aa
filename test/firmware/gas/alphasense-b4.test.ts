import assert from "node:assert/strict";
import { test } from "node:test";
import {
  B4_RANGE_PPB,
  B4_WARM_UP_MS,
  correctedWorkingMv,
  correctionAlgorithm,
  gasPpb,
  ISB_OUTPUT_MAX_MV,
  ISB_OUTPUT_MIN_MV,
  ozonePpb,
  plausibleElectrodeMv,
  temperatureFactor,
  type GasSensorCalibration,
  type GasSensorType,
} from "../../../firmware/gas/AlphasenseB4";

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);
}

// Sheets for the hand-worked examples: round numbers so each step can be checked by hand.
const co: GasSensorCalibration = {
  type: "CO-B4",
  serial: "162000001",
  weElectronicZeroMv: 340,
  aeElectronicZeroMv: 335,
  weSensorZeroMv: -25,
  aeSensorZeroMv: -5,
  sensitivityMvPerPpb: 0.4,
};
const no2: GasSensorCalibration = {
  type: "NO2-B43F",
  serial: "202000001",
  weElectronicZeroMv: 300,
  aeElectronicZeroMv: 305,
  weSensorZeroMv: -10,
  aeSensorZeroMv: -5,
  sensitivityMvPerPpb: 0.25,
};
const so2: GasSensorCalibration = {
  type: "SO2-B4",
  serial: "164000001",
  weElectronicZeroMv: 350,
  aeElectronicZeroMv: 345,
  weSensorZeroMv: 20,
  aeSensorZeroMv: 10,
  sensitivityMvPerPpb: 0.3,
};
const ox: GasSensorCalibration = {
  type: "OX-B431",
  serial: "204000001",
  weElectronicZeroMv: 310,
  aeElectronicZeroMv: 312,
  weSensorZeroMv: -15,
  aeSensorZeroMv: -10,
  sensitivityMvPerPpb: 0.32,
  no2SensitivityMvPerPpb: 0.4,
};

/** AAN 803's tables, −30 … 50 °C in 10 °C steps. */
const TABLES: Readonly<Record<GasSensorType, readonly number[]>> = {
  "CO-B4": [0.7, 0.7, 0.7, 0.7, 1, 3, 3.5, 4, 4.5],
  "NO2-B43F": [1.3, 1.3, 1.3, 1.3, 1, 0.6, 0.4, 0.2, -1.5],
  "SO2-B4": [-4, -4, -4, -4, -4, 0, 20, 140, 450],
  "OX-B431": [0.9, 0.9, 1, 1.3, 1.5, 1.7, 2, 2.5, 3.7],
};

test("the temperature factor is the table value at each 10 °C point", () => {
  for (const [type, factors] of Object.entries(TABLES) as [GasSensorType, readonly number[]][]) {
    factors.forEach((factor, i) => assert.equal(temperatureFactor(type, -30 + 10 * i), factor, `${type} at ${-30 + 10 * i} °C`));
  }
});

test("between table points the factor is interpolated linearly; outside −30…50 °C the end value is held", () => {
  close(temperatureFactor("CO-B4", 25), 3.25, "CO-B4 nT at 25 °C, halfway from 3 to 3.5");
  close(temperatureFactor("CO-B4", 12.5), 1.5, "CO-B4 nT at 12.5 °C, a quarter from 1 to 3");
  close(temperatureFactor("NO2-B43F", 45), -0.65, "NO2-B43F nT at 45 °C, halfway from 0.2 to −1.5");
  close(temperatureFactor("OX-B431", 15), 1.6, "OX-B431 nT at 15 °C, halfway from 1.5 to 1.7");
  close(temperatureFactor("SO2-B4", 35), 80, "SO2-B4 k″T at 35 °C, halfway from 20 to 140 mV");
  close(temperatureFactor("SO2-B4", 47), 357, "SO2-B4 k″T at 47 °C, 70 % from 140 to 450 mV");
  close(temperatureFactor("OX-B431", -25), 0.9, "flat part of the table");
  assert.equal(temperatureFactor("CO-B4", -40), 0.7);
  assert.equal(temperatureFactor("NO2-B43F", 60), -1.5);
  assert.throws(() => temperatureFactor("CO-B4", Number.NaN), RangeError);
});

test("CO-B4, NO2-B43F and OX-B431 use algorithm 1 and SO2-B4 algorithm 4", () => {
  assert.deepEqual((["CO-B4", "NO2-B43F", "OX-B431", "SO2-B4"] as const).map(correctionAlgorithm), [1, 1, 1, 4]);
});

test("CO-B4 worked by hand, algorithm 1 at 20 °C: WEc = (800 − 340) − 3·(330 − 335) = 475 mV → 1187.5 ppb", () => {
  close(correctedWorkingMv(co, 800, 330, 20), 475, "WEc");
  close(gasPpb(co, 800, 330, 20), 1187.5, "ppb");
  // At 25 °C nT = 3.25: WEc = 460 + 16.25 = 476.25 mV → 1190.625 ppb.
  close(gasPpb(co, 800, 330, 25), 1190.625, "ppb at 25 °C");
});

test("NO2-B43F worked by hand, algorithm 1 at 45 °C where nT is negative: WEc = (330 − 300) + 0.65·(310 − 305) = 33.25 mV → 133 ppb", () => {
  close(correctedWorkingMv(no2, 330, 310, 45), 33.25, "WEc");
  close(gasPpb(no2, 330, 310, 45), 133, "ppb");
  // At 0 °C nT = 1.3: WEc = 30 − 6.5 = 23.5 mV → 94 ppb.
  close(gasPpb(no2, 330, 310, 0), 94, "ppb at 0 °C");
});

test("SO2-B4 worked by hand, algorithm 4 (the AE is not used): WEc = (500 − 350) − 20 − k″T", () => {
  // 20 °C: k″T = 0 → WEc = 130 mV → 433.33 ppb.
  close(correctedWorkingMv(so2, 500, 345, 20), 130, "WEc at 20 °C");
  close(gasPpb(so2, 500, 345, 20), 130 / 0.3, "ppb at 20 °C");
  // 35 °C: k″T = 80 mV → WEc = 50 mV → 166.67 ppb; any AE gives the same.
  close(gasPpb(so2, 500, 345, 35), 50 / 0.3, "ppb at 35 °C");
  close(gasPpb(so2, 500, 999, 35), 50 / 0.3, "AE ignored");
  // −10 °C: k″T = −4 mV → WEc = 134 mV.
  close(correctedWorkingMv(so2, 500, 0, -10), 134, "WEc at −10 °C");
});

test("O3 from the OX-B431, worked by hand at 15 °C: WEc = (500 − 310) − 1.6·(300 − 312) = 209.2 mV; minus 100 ppb NO2 × 0.4 mV/ppb → 169.2 mV → 528.75 ppb", () => {
  close(correctedWorkingMv(ox, 500, 300, 15), 209.2, "WEc");
  close(ozonePpb(ox, 500, 300, 15, 100), 528.75, "O3 ppb");
  close(ozonePpb(ox, 500, 300, 15, 0), 209.2 / 0.32, "O3 ppb without NO2: the whole OX signal");
  // With no ozone at all the OX signal is all NO2: 40 mV of WEc at 100 ppb NO2 gives 0 ppb O3.
  close(ozonePpb(ox, 310 + 40 + 1.6 * -12, 300, 15, 100), 0, "NO2 alone");
});

test("the OX-B431 cannot go through gasPpb, and ozone needs an OX sheet with its NO2 sensitivity", () => {
  assert.throws(() => gasPpb(ox, 500, 300, 20), /use ozonePpb/);
  assert.throws(() => ozonePpb(no2, 500, 300, 20, 10), /OX-B431/);
  const { no2SensitivityMvPerPpb: _, ...withoutNo2 } = ox;
  assert.throws(() => ozonePpb(withoutNo2, 500, 300, 20, 10), /NO2 sensitivity/);
});

test("warm-up times and ranges cover every type; ranges are the datasheets' ppm limits in ppb", () => {
  const types: GasSensorType[] = ["CO-B4", "NO2-B43F", "SO2-B4", "OX-B431"];
  for (const type of types) assert.ok(B4_WARM_UP_MS[type] > 0 && B4_RANGE_PPB[type] > 0, type);
  assert.equal(B4_RANGE_PPB["CO-B4"], 1_000_000);
  assert.equal(B4_RANGE_PPB["SO2-B4"], 100_000);
  assert.ok(Object.isFrozen(B4_WARM_UP_MS) && Object.isFrozen(B4_RANGE_PPB));
});

test("an electrode voltage outside the ISB's output swing is implausible: ground, the rail, or not a number", () => {
  assert.equal(plausibleElectrodeMv(300), true);
  assert.equal(plausibleElectrodeMv(ISB_OUTPUT_MIN_MV), true);
  assert.equal(plausibleElectrodeMv(ISB_OUTPUT_MAX_MV), true);
  assert.equal(plausibleElectrodeMv(0), false);
  assert.equal(plausibleElectrodeMv(-5), false);
  assert.equal(plausibleElectrodeMv(3300), false);
  assert.equal(plausibleElectrodeMv(Number.NaN), false);
});
