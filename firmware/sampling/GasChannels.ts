import type { Ads1115FullScaleMv } from "../drivers/Ads1115";
import {
  B4_RANGE_PPB,
  B4_WARM_UP_MS,
  gasPpb,
  ISB_OUTPUT_MAX_MV,
  ISB_OUTPUT_MIN_MV,
  NEGATIVE_TOLERANCE_PPB,
  ozonePpb,
  plausibleElectrodeMv,
  type GasSensorCalibration,
} from "../gas/AlphasenseB4";
import type { CalibrationRecord } from "../gas/GasCalibration";
import type { ChannelRead } from "../telemetry/Channels";
import type { FaultLatch } from "./FaultLatch";
import { faultCodeOf } from "./FaultCode";
import { StuckDetector } from "./StuckDetector";

/**
 * The gas ADCs' full scale. The ISBs swing 0…3.3 V, and ±2.048 V would cut a CO-B4 off near
 * 4 ppm (0.42 mV/ppb above a zero of about 340 mV), which Beijing's hourly CO passes in 2 % of
 * its hours; ±4.096 V takes every ISB to its rail at 125 µV a count. The rail then no longer
 * saturates the ADC, so an unplugged cable (inputs pulled up to 3.3 V) is caught by the
 * electrode check below instead (docs/gas-sensors.md).
 */
export const GAS_ADC_FULL_SCALE_MV: Ads1115FullScaleMv = 4096;

/** The part of the ADS1115 driver the sampler uses: one single-ended conversion, mV, or undefined with the reason reported. */
export interface GasAdc {
  readMillivolts(input: 0 | 1 | 2 | 3): number | undefined;
}

export interface GasReads {
  readonly co_ppb: ChannelRead;
  readonly no2_ppb: ChannelRead;
  readonly so2_ppb: ChannelRead;
  readonly o3_ppb: ChannelRead;
}

type Slot = "co" | "no2" | "so2" | "ox";

/**
 * Where each electrode is wired (docs/gas-sensors.md): the first ADC (0x48) reads CO and NO2, the
 * second (0x49) SO2 and OX, working electrode on the even input and auxiliary on the odd one.
 */
const wiring: Readonly<Record<Slot, { readonly adc: 0 | 1; readonly we: 0 | 2; readonly ae: 1 | 3 }>> = Object.freeze({
  co: { adc: 0, we: 0, ae: 1 },
  no2: { adc: 0, we: 2, ae: 3 },
  so2: { adc: 1, we: 0, ae: 1 },
  ox: { adc: 1, we: 2, ae: 3 },
});

/**
 * Identical working-electrode voltages in a row that mean a frozen ADC or cable: the front end's
 * noise is several ADC counts, so 24 equal conversions (two minutes at the default read interval)
 * do not happen on a live channel.
 */
const STUCK_READS = 24;

/** The fault for an electrode voltage no working ISB gives (docs/gas-sensors.md), or undefined. */
function electrodeFault(type: string, electrode: "working" | "auxiliary", millivolts: number): ChannelRead | undefined {
  if (plausibleElectrodeMv(millivolts)) return undefined;
  const cause = millivolts < ISB_OUTPUT_MIN_MV ? "a short to ground or a lost ISB supply" : "an open input, pulled up to the rail";
  return {
    fault: "electrode",
    reason: `${type} ${electrode} electrode at ${millivolts.toFixed(1)} mV, outside the ISB's ${ISB_OUTPUT_MIN_MV}…${ISB_OUTPUT_MAX_MV} mV: ${cause}`,
  };
}

/**
 * The four electrochemical cells read through two ADS1115s, turned into ppb with the calibration
 * record and the temperature. Each gas stands alone: one failed electrode costs its own channel
 * (and ozone, which needs NO2), never the others.
 */
export class GasChannels {
  readonly #adcs: readonly [GasAdc, GasAdc];
  readonly #errors: readonly [FaultLatch, FaultLatch];
  readonly #stuck: Readonly<Record<Slot, StuckDetector>> = {
    co: new StuckDetector(STUCK_READS),
    no2: new StuckDetector(STUCK_READS),
    so2: new StuckDetector(STUCK_READS),
    ox: new StuckDetector(STUCK_READS),
  };
  #calibration: CalibrationRecord | undefined;

  constructor(options: { adcs: readonly [GasAdc, GasAdc]; errors: readonly [FaultLatch, FaultLatch]; calibration?: CalibrationRecord }) {
    this.#adcs = options.adcs;
    this.#errors = options.errors;
    this.#calibration = options.calibration;
  }

  /** A newly installed record takes effect from the next read. */
  set calibration(record: CalibrationRecord | undefined) {
    this.#calibration = record;
  }

  /** One read of every gas; `uptimeMs` since the cells were powered, `temperatureC` for the compensation. */
  read(uptimeMs: number, temperatureC: number | undefined): GasReads {
    const co = this.#gas("co", uptimeMs, temperatureC);
    const no2 = this.#gas("no2", uptimeMs, temperatureC);
    const so2 = this.#gas("so2", uptimeMs, temperatureC);
    const o3 = this.#gas("ox", uptimeMs, temperatureC, no2);
    return { co_ppb: co, no2_ppb: no2, so2_ppb: so2, o3_ppb: o3 };
  }

  #gas(slot: Slot, uptimeMs: number, temperatureC: number | undefined, no2?: ChannelRead): ChannelRead {
    const { adc, we, ae } = wiring[slot];
    const weMv = this.#convert(adc, we);
    if (typeof weMv === "string") return this.#failed(slot, weMv);
    const aeMv = this.#convert(adc, ae);
    if (typeof aeMv === "string") return this.#failed(slot, aeMv);
    const calibration = this.#calibration?.[slot];
    if (calibration === undefined) return { fault: "uncalibrated", reason: "no valid gas calibration record stored" };
    if (uptimeMs < B4_WARM_UP_MS[calibration.type]) return { warming: true };
    const electrode = electrodeFault(calibration.type, "working", weMv) ?? electrodeFault(calibration.type, "auxiliary", aeMv);
    if (electrode !== undefined) {
      this.#stuck[slot].reset();
      return electrode;
    }
    if (temperatureC === undefined) return { fault: "no-temperature", reason: `${calibration.type} needs the temperature for its correction` };
    if (this.#stuck[slot].stuck(weMv)) return { fault: "stuck", reason: `${calibration.type} working electrode at ${weMv} mV ${STUCK_READS} reads in a row` };
    if (slot !== "ox") return this.#ranged(calibration, gasPpb(calibration, weMv, aeMv, temperatureC));
    if (no2 === undefined || !("value" in no2)) return { fault: "no2", reason: "ozone needs the NO2 reading, which is missing" };
    return this.#ranged(calibration, ozonePpb(calibration, weMv, aeMv, temperatureC, no2.value));
  }

  /** The conversion in mV, or the driver's reason when it gave none. */
  #convert(adc: 0 | 1, input: 0 | 1 | 2 | 3): number | string {
    const millivolts = this.#adcs[adc].readMillivolts(input);
    const reason = this.#errors[adc].take();
    return millivolts ?? reason ?? `ADS1115 input ${input} gave no conversion`;
  }

  #failed(slot: Slot, reason: string): ChannelRead {
    this.#stuck[slot].reset();
    return { fault: faultCodeOf(reason), reason };
  }

  #ranged(calibration: GasSensorCalibration, ppb: number): ChannelRead {
    const max = B4_RANGE_PPB[calibration.type];
    if (ppb > max || ppb < -NEGATIVE_TOLERANCE_PPB) {
      return { fault: "range", reason: `${calibration.type} ${ppb.toFixed(1)} ppb out of range −${NEGATIVE_TOLERANCE_PPB}…${max} ppb` };
    }
    return { value: ppb };
  }
}
