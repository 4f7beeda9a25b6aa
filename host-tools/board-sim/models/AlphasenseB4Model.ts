import { B4_WARM_UP_MS, correctionAlgorithm, temperatureFactor, type GasSensorCalibration } from "../../../firmware/gas/AlphasenseB4";
import type { CalibrationRecord } from "../../../firmware/gas/GasCalibration";

/**
 * An Alphasense B4 cell on its ISB, as the ADS1115 sees it: the working and auxiliary electrode
 * voltages for a gas level, a temperature and the cell's calibration sheet. It is the AAN 803
 * conversion run backwards, so the firmware's arithmetic recovers the input exactly (up to the
 * ADC's resolution):
 *
 * - AE = AEe + AEo: the auxiliary electrode sits at its sensor zero;
 * - algorithm-1 types (CO, NO2, OX): WE = WEe + nT·AEo + S·ppb, the background the AE tracks;
 * - SO2-B4 (algorithm 4): WE = WEe + WEo + k″T + S·ppb;
 * - OX-B431: plus S_NO2·NO2, the NO2 it also responds to.
 *
 * After power-on the WE starts WARM_UP_OFFSET_MV away from that and settles exponentially, well
 * inside B4_WARM_UP_MS; the `slowWarmUp` fault makes it settle 16 times slower. The offset is
 * negative, so an unsettled cell reads far below zero, which the sampler can tell from clean air.
 * Outputs are limited to the ISB's supply rails (0…3.3 V).
 */

export interface AlphasenseB4Faults {
  /** The cell settles 16 times slower than normal, as an old or dried-out cell does. */
  slowWarmUp?: boolean;
  /** The ISB cable is off: the ADC inputs float up to the rail through the board's pull-ups. */
  unplugged?: boolean;
  /** The ISB's outputs are held at ground: a crushed cable, a solder bridge, or the ISB's supply lost. */
  shorted?: boolean;
}

/** The ISB's supply on this board; its outputs cannot leave 0…this. */
export const ISB_SUPPLY_MV = 3300;
/** What a disconnected input reads: the board pulls each ADC input up to its 3.3 V supply. */
export const UNPLUGGED_MV = ISB_SUPPLY_MV;
/** Where the working electrode starts at power-on, relative to its settled output. */
export const WARM_UP_OFFSET_MV = -250;
/** Normal settling: e^−8 of the offset (under 0.1 mV) is left when the warm-up time ends. */
const TIME_CONSTANTS_PER_WARM_UP = 8;
const SLOW_WARM_UP_FACTOR = 16;

function rails(millivolts: number): number {
  return Math.min(ISB_SUPPLY_MV, Math.max(0, millivolts));
}

export class AlphasenseB4Model {
  readonly calibration: GasSensorCalibration;
  faults: AlphasenseB4Faults = {};
  #poweredAt: number;

  constructor(options: { calibration: GasSensorCalibration; poweredAt?: number }) {
    this.calibration = options.calibration;
    this.#poweredAt = options.poweredAt ?? 0;
  }

  /** Powers the cell (again) at board time `at`: its warm-up starts over. */
  powerOn(at: number): void {
    this.#poweredAt = at;
  }

  /** The electrode voltages at board time `now` for `ppb` of the target gas (O3 for the OX-B431) and `no2Ppb` of NO2. */
  electrodes(ppb: number, temperatureC: number, now: number, no2Ppb = 0): { weMv: number; aeMv: number } {
    if (this.faults.unplugged) return { weMv: UNPLUGGED_MV, aeMv: UNPLUGGED_MV };
    if (this.faults.shorted) return { weMv: 0, aeMv: 0 };
    const sheet = this.calibration;
    const factor = temperatureFactor(sheet.type, temperatureC);
    const background = correctionAlgorithm(sheet.type) === 4 ? sheet.weSensorZeroMv + factor : factor * sheet.aeSensorZeroMv;
    const signal = sheet.sensitivityMvPerPpb * ppb + (sheet.no2SensitivityMvPerPpb ?? 0) * no2Ppb;
    const weMv = sheet.weElectronicZeroMv + background + signal + this.#warmUpOffset(now);
    return { weMv: rails(weMv), aeMv: rails(sheet.aeElectronicZeroMv + sheet.aeSensorZeroMv) };
  }

  #warmUpOffset(now: number): number {
    const elapsed = Math.max(0, now - this.#poweredAt);
    const timeConstant = (B4_WARM_UP_MS[this.calibration.type] / TIME_CONSTANTS_PER_WARM_UP) * (this.faults.slowWarmUp ? SLOW_WARM_UP_FACTOR : 1);
    return WARM_UP_OFFSET_MV * Math.exp(-elapsed / timeConstant);
  }
}

/**
 * A calibration record for simulated boards. The values are invented but shaped like real
 * Alphasense ISB sheets: electronic zeros of a few hundred mV, sensor zeros of tens of mV, and
 * sensitivities of the datasheets' typical nA/ppm times the ISB gain (about 0.2…0.5 mV/ppb).
 * The serials are made up; they are not real sensors.
 */
export const SIMULATED_CALIBRATION: CalibrationRecord = Object.freeze({
  id: "sim-isb-2026-11",
  co: Object.freeze({
    type: "CO-B4",
    serial: "162000101",
    weElectronicZeroMv: 338,
    aeElectronicZeroMv: 336,
    weSensorZeroMv: -24,
    aeSensorZeroMv: -6,
    sensitivityMvPerPpb: 0.42,
  }),
  no2: Object.freeze({
    type: "NO2-B43F",
    serial: "202000102",
    weElectronicZeroMv: 296,
    aeElectronicZeroMv: 302,
    weSensorZeroMv: -12,
    aeSensorZeroMv: -4,
    sensitivityMvPerPpb: 0.291,
  }),
  so2: Object.freeze({
    type: "SO2-B4",
    serial: "164000103",
    weElectronicZeroMv: 352,
    aeElectronicZeroMv: 348,
    weSensorZeroMv: 24,
    aeSensorZeroMv: 10,
    sensitivityMvPerPpb: 0.3,
  }),
  ox: Object.freeze({
    type: "OX-B431",
    serial: "204000104",
    weElectronicZeroMv: 305,
    aeElectronicZeroMv: 310,
    weSensorZeroMv: -14,
    aeSensorZeroMv: -8,
    sensitivityMvPerPpb: 0.322,
    no2SensitivityMvPerPpb: 0.398,
  }),
});
