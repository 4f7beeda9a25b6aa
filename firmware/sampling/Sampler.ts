import { CHANNELS, rangedRead, type Channel, type ChannelInfo, type ChannelRead } from "../telemetry/Channels";
import type { ClimateReads } from "./ClimateChannels";
import type { GasReads } from "./GasChannels";
import { IntervalAverage, type IntervalResult } from "./IntervalAverage";
import type { ParticulateReads } from "./ParticulateChannels";

export interface SamplerTimer {
  repeat(callback: () => void, interval: number): unknown;
  clear(timer: unknown): void;
}

export interface SamplerOptions {
  readonly climate: { read(): ClimateReads };
  /** `msToReport`: how long until this interval's reading, so the PM sensor can sleep until it is needed. */
  readonly particulates: { read(msToReport: number): ParticulateReads; retime(readIntervalMs: number, sampleIntervalMs: number): void };
  /** `uptimeMs` since the cells were powered (the board's start), for their warm-up. */
  readonly gases: { read(uptimeMs: number, temperatureC: number | undefined): GasReads };
  /** How often every part is read. */
  readonly readIntervalMs: number;
  /** How often a reading (the average of the reads since the last one) is reported; a whole multiple of readIntervalMs. */
  readonly sampleIntervalMs: number;
  readonly timer: SamplerTimer;
}

export type IntervalReading = Readonly<Record<Channel, IntervalResult>>;

/**
 * How long the gas correction goes on with the last good temperature when the SHT4x fails. The
 * B4 temperature factors are tabled in 10 °C steps and a room moves well under 1 °C in this time,
 * so the error stays far below the cells' own; past it the gases are `fault:no-temperature`.
 */
export const TEMPERATURE_HOLD_MS = 600_000;

/**
 * Reads every part on a fixed rhythm and averages each channel over the reporting interval. Each
 * part is read on its own: one that throws, NACKs or sends garbage costs only its own channels.
 */
export class Sampler {
  #options: SamplerOptions;
  #readsPerReading: number;
  readonly #averages = {} as Record<Channel, IntervalAverage>;
  /** Since the parts were powered: the gas cells' warm-up counts from it. */
  #uptimeMs = 0;
  #readsInInterval = 0;
  #timer: unknown;
  #onReading: ((reading: IntervalReading, intervalMs: number) => void) | undefined;
  #lastTemperature: { readonly celsius: number; readonly atMs: number } | undefined;

  constructor(options: SamplerOptions) {
    checkTiming(options.readIntervalMs, options.sampleIntervalMs);
    this.#options = options;
    this.#readsPerReading = options.sampleIntervalMs / options.readIntervalMs;
    for (const channel of CHANNELS) this.#averages[channel.name] = new IntervalAverage();
  }

  get sampleIntervalMs(): number {
    return this.#options.sampleIntervalMs;
  }

  /** `onReading` gets each interval's reading and the interval's length, which is shorter for one cut by `retime`. */
  start(onReading: (reading: IntervalReading, intervalMs: number) => void): void {
    this.#onReading = onReading;
    this.#timer = this.#options.timer.repeat(() => {
      const reading = this.readOnce();
      if (reading) onReading(reading, this.#options.sampleIntervalMs);
    }, this.#options.readIntervalMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#options.timer.clear(this.#timer);
    this.#timer = undefined;
  }

  /**
   * New timing from now on. The interval under way ends here and is reported with its true
   * length, so the reads already taken are not lost; the next interval starts with the next read.
   */
  retime(readIntervalMs: number, sampleIntervalMs: number): void {
    checkTiming(readIntervalMs, sampleIntervalMs);
    const { readIntervalMs: oldRead } = this.#options;
    const partial = this.#readsInInterval;
    this.#readsInInterval = 0;
    if (partial > 0) {
      const reading = this.#conclude();
      this.#onReading?.(reading, partial * oldRead);
    }
    this.#options = { ...this.#options, readIntervalMs, sampleIntervalMs };
    this.#options.particulates.retime(readIntervalMs, sampleIntervalMs);
    this.#readsPerReading = sampleIntervalMs / readIntervalMs;
    if (this.#timer !== undefined && this.#onReading) {
      this.stop();
      this.start(this.#onReading);
    }
  }

  /** One read of every part; at the end of an interval, the interval's reading. */
  readOnce(): IntervalReading | undefined {
    const { readIntervalMs, climate, particulates, gases } = this.#options;
    this.#uptimeMs += readIntervalMs;
    this.#readsInInterval++;
    const uptimeMs = this.#uptimeMs;
    const msToReport = (this.#readsPerReading - this.#readsInInterval) * readIntervalMs;
    const climateReads = guarded("SHT4x", () => climate.read(), ["temperature_c", "humidity_pct"]);
    this.#add(climateReads);
    this.#add(guarded("PMS5003", () => particulates.read(msToReport), ["pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3"]));
    const temperatureC = this.#temperatureFor(climateReads.temperature_c, uptimeMs);
    this.#add(guarded("gas sensors", () => gases.read(uptimeMs, temperatureC), ["co_ppb", "no2_ppb", "so2_ppb", "o3_ppb"]));
    if (msToReport !== 0) return undefined;
    this.#readsInInterval = 0;
    return this.#conclude();
  }

  #conclude(): IntervalReading {
    const reading = {} as Record<Channel, IntervalResult>;
    for (const channel of CHANNELS) reading[channel.name] = this.#averages[channel.name].conclude();
    return reading;
  }

  /** This read's temperature, or the last good one while it is recent enough to correct the gases with. */
  #temperatureFor(read: ChannelRead | undefined, uptimeMs: number): number | undefined {
    if (read !== undefined && "value" in read) this.#lastTemperature = { celsius: read.value, atMs: uptimeMs };
    const last = this.#lastTemperature;
    return last !== undefined && uptimeMs - last.atMs <= TEMPERATURE_HOLD_MS ? last.celsius : undefined;
  }

  #add(reads: Partial<Record<Channel, ChannelRead>>): void {
    for (const channel of Object.keys(reads) as Channel[]) this.#averages[channel].add(rangedRead(CHANNEL_INFO[channel], reads[channel]!));
  }
}

const CHANNEL_INFO = Object.fromEntries(CHANNELS.map((c) => [c.name, c])) as Record<Channel, ChannelInfo>;

function checkTiming(readIntervalMs: number, sampleIntervalMs: number): void {
  if (!Number.isInteger(readIntervalMs) || readIntervalMs <= 0 || sampleIntervalMs % readIntervalMs !== 0) {
    throw new RangeError(`the sample interval (${sampleIntervalMs} ms) must be a whole multiple of the read interval (${readIntervalMs} ms)`);
  }
}

/** A part's reads, or a fault on each of its channels if reading it threw: a bug in one part's code must not stop the others. */
function guarded<C extends Channel>(part: string, read: () => Readonly<Record<C, ChannelRead>>, channels: readonly C[]): Partial<Record<Channel, ChannelRead>> {
  try {
    return read();
  } catch (error) {
    const fault: ChannelRead = { fault: "internal", reason: `${part}: ${error instanceof Error ? error.message : String(error)}` };
    const reads: Partial<Record<Channel, ChannelRead>> = {};
    for (const channel of channels) reads[channel] = fault;
    return reads;
  }
}
