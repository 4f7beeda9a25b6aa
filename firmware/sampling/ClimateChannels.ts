import type { ChannelRead } from "../telemetry/Channels";
import type { FaultLatch } from "./FaultLatch";
import { faultCodeOf } from "./FaultCode";
import { StuckDetector } from "./StuckDetector";

/** The sample shape of an ECMA-419 temperature/humidity sensor, as the SHT4x driver gives it. */
export interface ClimateSensor {
  sample(): { thermometer?: { temperature: number }; hygrometer?: { humidity: number } } | undefined;
}

export interface ClimateReads {
  readonly temperature_c: ChannelRead;
  readonly humidity_pct: ChannelRead;
}

/** SHT4x operating range (datasheet): a word outside it comes from a failing part, not from the air. */
const TEMPERATURE_MIN_C = -40;
const TEMPERATURE_MAX_C = 125;
/**
 * Identical reads in a row that mean frozen: at high repeatability the words carry about 15 LSB
 * (temperature) and 40 LSB (humidity) of noise, so a live part practically never repeats a word
 * 24 times (two minutes at the default 5 s read interval).
 */
const STUCK_READS = 24;

/**
 * Turns the SHT4x's samples into per-channel reads: a value, or a fault with the code of what the
 * driver reported (a NACK, a CRC), what is out of range, or frozen.
 */
export class ClimateChannels {
  readonly #sensor: ClimateSensor;
  readonly #errors: FaultLatch;
  readonly #temperatureStuck = new StuckDetector(STUCK_READS);
  readonly #humidityStuck = new StuckDetector(STUCK_READS);

  constructor(options: { sensor: ClimateSensor; errors: FaultLatch }) {
    this.#sensor = options.sensor;
    this.#errors = options.errors;
  }

  read(): ClimateReads {
    const sample = this.#sensor.sample();
    const reason = this.#errors.take() ?? "SHT4x gave no sample";
    const temperature = sample?.thermometer?.temperature;
    const humidity = sample?.hygrometer?.humidity;
    return {
      temperature_c: this.#check(temperature, reason, this.#temperatureStuck, (t) =>
        t < TEMPERATURE_MIN_C || t > TEMPERATURE_MAX_C
          ? `SHT4x temperature ${t.toFixed(2)} °C out of range ${TEMPERATURE_MIN_C}…${TEMPERATURE_MAX_C} °C`
          : undefined,
      ),
      // 0 and 100 %RH are where the driver crops, so a run of them is fog or desert, not a frozen part.
      humidity_pct: this.#check(
        humidity,
        reason,
        this.#humidityStuck,
        () => undefined,
        (h) => h > 0 && h < 100,
      ),
    };
  }

  #check(
    value: number | undefined,
    reason: string,
    stuck: StuckDetector,
    outOfRange: (value: number) => string | undefined,
    canFreeze: (value: number) => boolean = () => true,
  ): ChannelRead {
    if (value === undefined) {
      stuck.reset();
      return { fault: faultCodeOf(reason), reason };
    }
    const rangeProblem = outOfRange(value);
    if (rangeProblem !== undefined) return { fault: "range", reason: rangeProblem };
    if (canFreeze(value) && stuck.stuck(value)) return { fault: "stuck", reason: `SHT4x gave ${value.toFixed(2)} ${STUCK_READS} reads in a row` };
    return { value };
  }
}
