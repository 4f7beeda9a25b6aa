/*
 * Alphasense B4 electrochemical gas sensors on their ISB (Individual Sensor Board) front end:
 * electrode voltages to ppb.
 *
 * Algorithms and temperature tables: Alphasense application note AAN 803, "Correcting for
 * background currents in four electrode toxic gas sensors". The tables below are as quoted by three
 * independent third-party sources that agree to the digit (fablabbcn/smartcitizen-data,
 * zilverband/be-gas-converter and a separate open-source calibration tool); the note itself was not
 * available to check them against.
 *
 * Symbols as in AAN 803: WEu/AEu raw working/auxiliary electrode output, WEe/AEe the ISB's
 * electronic zeros, WEo/AEo the sensor zeros, WEc the corrected working electrode output.
 */

export type GasSensorType = "CO-B4" | "NO2-B43F" | "SO2-B4" | "OX-B431";

/** One sensor's calibration sheet, as printed by Alphasense for a sensor fitted to its ISB. */
export interface GasSensorCalibration {
  readonly type: GasSensorType;
  readonly serial: string;
  /** WEe, mV */
  readonly weElectronicZeroMv: number;
  /** AEe, mV */
  readonly aeElectronicZeroMv: number;
  /** WEo, mV (as on the calibration sheet) */
  readonly weSensorZeroMv: number;
  /** AEo, mV */
  readonly aeSensorZeroMv: number;
  /** WE sensitivity to the target gas, mV/ppb: the sheet's nA/ppb times the ISB gain in mV/nA. */
  readonly sensitivityMvPerPpb: number;
  /** OX-B431 only: its WE sensitivity to NO2, mV/ppb, printed on the same sheet. */
  readonly no2SensitivityMvPerPpb?: number;
}

/** The table's temperatures, °C: −30 to 50 in steps of 10, the B4 parts' rated range. */
const TABLE_FIRST_C = -30;
const TABLE_STEP_C = 10;

/**
 * AAN 803 lets each gas use the algorithm that tracked its background best in Alphasense's tests:
 * - algorithm 1, WEc = (WEu − WEe) − nT·(AEu − AEe), for CO-B4, NO2-B43F and OX-B431, whose AE
 *   follows the WE's temperature-driven background closely enough to subtract it scaled by nT;
 * - algorithm 4, WEc = (WEu − WEe) − WEo − k″T, for SO2-B4, whose AE does not track its WE: the
 *   background is taken from the sheet's sensor zero plus a tabulated temperature term in mV.
 */
const corrections: Readonly<Record<GasSensorType, { readonly algorithm: 1 | 4; readonly factors: readonly number[] }>> = Object.freeze({
  //                      °C:          −30   −20   −10    0    10    20    30    40    50
  "CO-B4": { algorithm: 1, factors: [0.7, 0.7, 0.7, 0.7, 1, 3, 3.5, 4, 4.5] },
  "NO2-B43F": { algorithm: 1, factors: [1.3, 1.3, 1.3, 1.3, 1, 0.6, 0.4, 0.2, -1.5] },
  "SO2-B4": { algorithm: 4, factors: [-4, -4, -4, -4, -4, 0, 20, 140, 450] },
  "OX-B431": { algorithm: 1, factors: [0.9, 0.9, 1, 1.3, 1.5, 1.7, 2, 2.5, 3.7] },
});

/**
 * How long after power-on a cell's output is not yet trustworthy. An unbiased B4 cell on its ISB
 * settles from a large offset after switch-on; one hour is used for every type, following
 * Alphasense's general advice to let a freshly powered sensor stabilise before use (unconfirmed:
 * no datasheet figure was found; the B4 datasheets give only response times, t90 < 15…60 s).
 */
export const B4_WARM_UP_MS: Readonly<Record<GasSensorType, number>> = Object.freeze({
  "CO-B4": 3_600_000,
  "NO2-B43F": 3_600_000,
  "SO2-B4": 3_600_000,
  "OX-B431": 3_600_000,
});

/**
 * Each part's measurement range, ppb: the datasheet's "Range, ppm limit of performance warranty".
 * CO-B4 1000 ppm and SO2-B4 100 ppm are from the datasheets; NO2-B43F and OX-B431 20 ppm are
 * unconfirmed (datasheets not available here).
 */
export const B4_RANGE_PPB: Readonly<Record<GasSensorType, number>> = Object.freeze({
  "CO-B4": 1_000_000,
  "NO2-B43F": 20_000,
  "SO2-B4": 100_000,
  "OX-B431": 20_000,
});

/**
 * Below zero by more than this is not noise around a clean-air zero but an offset the algorithm
 * cannot explain: a cell not yet settled or failing. Alphasense quotes B4 noise of a few ppb.
 */
export const NEGATIVE_TOLERANCE_PPB = 50;

/**
 * The range of electrode voltages a powered ISB can put out on this board. Its amplifiers run from a
 * single supply, and each output rests at its electronic zero (a few hundred mV on Alphasense's
 * sheets) plus the signal, so a reading at ground or at the 3.3 V rail is not an ISB output: a
 * floating input, a short, or the board's pull-ups on a disconnected cable. The margins are this
 * design's choice, not an Alphasense figure.
 */
export const ISB_OUTPUT_MIN_MV = 20;
export const ISB_OUTPUT_MAX_MV = 3200;

/**
 * Whether an electrode voltage could come from a working ISB. The ADC driver already refuses
 * saturated codes; this catches what lies inside the ADC's range but outside the front end's, as
 * when the full-scale range is wider than the ISB's supply.
 */
export function plausibleElectrodeMv(millivolts: number): boolean {
  return Number.isFinite(millivolts) && millivolts >= ISB_OUTPUT_MIN_MV && millivolts <= ISB_OUTPUT_MAX_MV;
}

/**
 * The type's temperature factor (nT, or k″T in mV for SO2-B4), interpolated linearly between the
 * table's 10 °C points. Outside −30…50 °C, where the parts are not rated, the end value is held.
 */
export function temperatureFactor(type: GasSensorType, temperatureC: number): number {
  const { factors } = corrections[type];
  if (!Number.isFinite(temperatureC)) throw new RangeError(`temperature must be a finite number, not ${String(temperatureC)}`);
  const position = (temperatureC - TABLE_FIRST_C) / TABLE_STEP_C;
  if (position <= 0) return factors[0]!;
  if (position >= factors.length - 1) return factors[factors.length - 1]!;
  const below = Math.floor(position);
  const fraction = position - below;
  const low = factors[below]!;
  return fraction === 0 ? low : low + (factors[below + 1]! - low) * fraction;
}

/** Which AAN 803 algorithm the type uses (see `corrections`). */
export function correctionAlgorithm(type: GasSensorType): 1 | 4 {
  return corrections[type].algorithm;
}

/** WEc, mV: the working electrode output with the background removed by the type's algorithm. */
export function correctedWorkingMv(calibration: GasSensorCalibration, weMv: number, aeMv: number, temperatureC: number): number {
  const factor = temperatureFactor(calibration.type, temperatureC);
  const working = weMv - calibration.weElectronicZeroMv;
  if (corrections[calibration.type].algorithm === 4) return working - calibration.weSensorZeroMv - factor;
  return working - factor * (aeMv - calibration.aeElectronicZeroMv);
}

/** CO, NO2 or SO2 in ppb. The OX-B431 sees two gases, so it goes through `ozonePpb`. */
export function gasPpb(calibration: GasSensorCalibration, weMv: number, aeMv: number, temperatureC: number): number {
  if (calibration.type === "OX-B431") throw new RangeError("an OX-B431 responds to O3 and NO2; use ozonePpb");
  return correctedWorkingMv(calibration, weMv, aeMv, temperatureC) / calibration.sensitivityMvPerPpb;
}

/**
 * O3 in ppb from the OX-B431, which responds to O3 and NO2 alike: the NO2 part (the NO2-B43F's
 * reading times the OX sheet's NO2 sensitivity) is taken off before dividing by the O3 sensitivity.
 */
export function ozonePpb(oxCalibration: GasSensorCalibration, weMv: number, aeMv: number, temperatureC: number, no2Ppb: number): number {
  const { type, no2SensitivityMvPerPpb } = oxCalibration;
  if (type !== "OX-B431") throw new RangeError(`ozone comes from an OX-B431, not a ${type}`);
  if (no2SensitivityMvPerPpb === undefined) throw new RangeError("the OX-B431 calibration has no NO2 sensitivity");
  const corrected = correctedWorkingMv(oxCalibration, weMv, aeMv, temperatureC);
  return (corrected - no2Ppb * no2SensitivityMvPerPpb) / oxCalibration.sensitivityMvPerPpb;
}
