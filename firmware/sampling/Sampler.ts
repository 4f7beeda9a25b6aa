import { CHANNELS, type Channel, type ChannelRead } from "./Channels";
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
  readonly particulates: { read(msToReport: number): ParticulateReads };
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
  readonly #options: SamplerOptions;
  readonly #readsPerReading: number;
  readonly #averages = {} as Record<Channel, IntervalAverage>;
  #reads = 0;
  #timer: unknown;
  #lastTemperature: { readonly celsius: number; readonly atMs: number } | undefined;

  constructor(options: SamplerOptions) {
    const { readIntervalMs, sampleIntervalMs } = options;
    if (!Number.isInteger(readIntervalMs) || readIntervalMs <= 0 || sampleIntervalMs % readIntervalMs !== 0) {
      throw new RangeError(`the sample interval (${sampleIntervalMs} ms) must be a whole multiple of the read interval (${readIntervalMs} ms)`);
    }
    this.#options = options;
    this.#readsPerReading = sampleIntervalMs / readIntervalMs;
    for (const channel of CHANNELS) this.#averages[channel.name] = new IntervalAverage();
  }

  start(onReading: (reading: IntervalReading) => void): void {
    this.#timer = this.#options.timer.repeat(() => {
      const reading = this.readOnce();
      if (reading) onReading(reading);
    }, this.#options.readIntervalMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#options.timer.clear(this.#timer);
    this.#timer = undefined;
  }

  /** One read of every part; at the end of an interval, the interval's reading. */
  readOnce(): IntervalReading | undefined {
    const { readIntervalMs, climate, particulates, gases } = this.#options;
    this.#reads++;
    const uptimeMs = this.#reads * readIntervalMs;
    const msToReport = ((this.#readsPerReading - (this.#reads % this.#readsPerReading)) % this.#readsPerReading) * readIntervalMs;
    const climateReads = guarded("SHT4x", () => climate.read(), ["temperature_c", "humidity_pct"]);
    this.#add(climateReads);
    this.#add(guarded("PMS5003", () => particulates.read(msToReport), ["pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3"]));
    const temperatureC = this.#temperatureFor(climateReads.temperature_c, uptimeMs);
    this.#add(guarded("gas sensors", () => gases.read(uptimeMs, temperatureC), ["co_ppb", "no2_ppb", "so2_ppb", "o3_ppb"]));
    if (msToReport !== 0) return undefined;
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
    for (const channel of Object.keys(reads) as Channel[]) this.#averages[channel].add(reads[channel]!);
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
