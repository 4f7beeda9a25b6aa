import type { Pms5003Counts } from "../drivers/Pms5003FrameParser";
import type { ChannelRead } from "../telemetry/Channels";
import type { FaultLatch } from "./FaultLatch";
import { faultCodeOf } from "./FaultCode";
import { StuckDetector } from "./StuckDetector";

/** The part of the PMS5003 driver the sampler uses. */
export interface ParticulateSensor {
  sample(): { pm1: number; pm2_5: number; pm10: number; counts: Pms5003Counts; warming: boolean; frame: number } | undefined;
  /** Within the warm-up after power-up or wake, when no frame may have come yet. */
  readonly warming: boolean;
  sleep(): void;
  wake(): void;
}

export interface ParticulateReads {
  readonly pm1_ugm3: ChannelRead;
  readonly pm2_5_ugm3: ChannelRead;
  readonly pm10_ugm3: ChannelRead;
}

/** Data manual: maximum range of PM2.5 ≥ 1000 µg/m³ (effective range 0–500); more comes from a failing part. */
const PM_MAX_UGM3 = 1000;
/** Data manual: stable data 30 s after wake. The sensor is woken this long before the interval ends: 30 s of fan, then 30 s of frames to average. */
export const PMS_AWAKE_MS = 60_000;
/** Below this interval the fan would spend most of its time spinning up, so the sensor stays on. */
export const PMS_DUTY_CYCLE_MIN_INTERVAL_MS = 2 * PMS_AWAKE_MS;
/** Reads further apart than this would not land in the 30 s of good frames before the reading, so the sensor stays on. */
export const PMS_DUTY_CYCLE_MAX_READ_INTERVAL_MS = 15_000;
/**
 * New frames with all twelve numbers the same that mean frozen: particle counts move by tens from
 * frame to frame even in still, clean air, so 20 identical frames (46 s) do not happen on a live part.
 */
const STUCK_FRAMES = 20;

function dutyCycles(readIntervalMs: number, sampleIntervalMs: number): boolean {
  return sampleIntervalMs >= PMS_DUTY_CYCLE_MIN_INTERVAL_MS && readIntervalMs <= PMS_DUTY_CYCLE_MAX_READ_INTERVAL_MS;
}

function frameSignature(sample: NonNullable<ReturnType<ParticulateSensor["sample"]>>): number {
  const { counts: c } = sample;
  let signature = 0;
  for (const value of [sample.pm1, sample.pm2_5, sample.pm10, c.over0_3, c.over0_5, c.over1_0, c.over2_5, c.over5_0, c.over10]) {
    signature = (signature * 31 + value) % 0x7fffffff;
  }
  return signature;
}

/**
 * The PMS5003's reads, and its sleep between readings: its laser is specified for a limited life
 * (the data manual's MTTF), so with a long interval it runs only for the last PMS_AWAKE_MS of each.
 */
export class ParticulateChannels {
  readonly #sensor: ParticulateSensor;
  readonly #errors: FaultLatch;
  #dutyCycle: boolean;
  readonly #stuck = new StuckDetector(STUCK_FRAMES);
  #asleep = false;
  #lastFrame = -1;
  #stuckNow = false;

  constructor(options: { sensor: ParticulateSensor; errors: FaultLatch; sampleIntervalMs: number; readIntervalMs: number }) {
    this.#sensor = options.sensor;
    this.#errors = options.errors;
    this.#dutyCycle = dutyCycles(options.readIntervalMs, options.sampleIntervalMs);
  }

  /** New timing: the duty cycle is decided again; a sleeping sensor wakes at the next read if it no longer should sleep. */
  retime(readIntervalMs: number, sampleIntervalMs: number): void {
    this.#dutyCycle = dutyCycles(readIntervalMs, sampleIntervalMs);
  }

  get asleep(): boolean {
    return this.#asleep;
  }

  /** One read, `msToReport` before the interval ends; it sleeps or wakes the sensor as the duty cycle says. */
  read(msToReport: number): ParticulateReads {
    if (this.#dutyCycle && msToReport > PMS_AWAKE_MS) {
      if (!this.#asleep) {
        this.#sensor.sleep();
        this.#asleep = true;
        this.#stuck.reset();
      }
      this.#errors.take();
      return { pm1_ugm3: IDLE, pm2_5_ugm3: IDLE, pm10_ugm3: IDLE };
    }
    if (this.#asleep) {
      this.#sensor.wake();
      this.#asleep = false;
    }
    return this.#readAwake();
  }

  #readAwake(): ParticulateReads {
    const sample = this.#sensor.sample();
    const reason = this.#errors.take();
    if (sample === undefined) {
      this.#stuck.reset();
      if (reason === undefined && this.#sensor.warming) return { pm1_ugm3: WARMING, pm2_5_ugm3: WARMING, pm10_ugm3: WARMING };
      const why = reason ?? "PMS5003 sent no valid frame for 5 s";
      const fault: ChannelRead = { fault: reason === undefined ? "no-data" : faultCodeOf(reason), reason: why };
      return { pm1_ugm3: fault, pm2_5_ugm3: fault, pm10_ugm3: fault };
    }
    if (sample.warming) return { pm1_ugm3: WARMING, pm2_5_ugm3: WARMING, pm10_ugm3: WARMING };
    if (sample.frame !== this.#lastFrame) {
      this.#lastFrame = sample.frame;
      this.#stuckNow = this.#stuck.stuck(frameSignature(sample));
    }
    return { pm1_ugm3: this.#checked(sample.pm1, "PM1"), pm2_5_ugm3: this.#checked(sample.pm2_5, "PM2.5"), pm10_ugm3: this.#checked(sample.pm10, "PM10") };
  }

  /** Out of range says more about a frozen value than frozen does, so it is reported first. */
  #checked(value: number, what: string): ChannelRead {
    if (value > PM_MAX_UGM3) return { fault: "range", reason: `PMS5003 ${what} ${value} µg/m³ out of range 0…${PM_MAX_UGM3}` };
    if (this.#stuckNow) return { fault: "stuck", reason: `PMS5003 sent the same frame ${STUCK_FRAMES} times in a row` };
    return { value };
  }
}

const IDLE: ChannelRead = Object.freeze({ idle: true } as const);
const WARMING: ChannelRead = Object.freeze({ warming: true } as const);
