import type { SerialLog } from "../log/SerialLog";
import type { MqttSession, SessionChange, SessionFailure } from "../session/MqttSession";
import type { LedState } from "../status/LedPatterns";
import type { StatusLed } from "../status/StatusLed";
import { encodeTelemetry, roundTo, type ChannelHealth, type TelemetryRecord } from "../telemetry/TelemetryRecord";
import type { SensorHealth } from "./SensorHealth";

/** The sample shape of an ECMA-419 temperature/humidity sensor. */
export interface ClimateSensor {
  sample(): { thermometer?: { temperature: number }; hygrometer?: { humidity: number } } | undefined;
}

/** The sample shape of the particulate matter sensor (atmospheric values, µg/m³). */
export interface ParticulateSensor {
  sample(): { pm1: number; pm2_5: number; pm10: number; warming: boolean } | undefined;
}

export interface BoardTimer {
  repeat(callback: () => void, interval: number): unknown;
  clear(timer: unknown): void;
}

export interface BoardParts {
  readonly thing: string;
  readonly bootId: number;
  readonly sampleIntervalMs: number;
  readonly climate: ClimateSensor;
  readonly particulates: ParticulateSensor;
  readonly health: SensorHealth;
  readonly session: MqttSession;
  readonly led: StatusLed;
  readonly log: SerialLog;
  readonly timer: BoardTimer;
  readonly now: () => number;
  readonly encode: (text: string) => ArrayBuffer;
}

const failureLeds: Readonly<Record<SessionFailure, LedState>> = {
  "network-down": "network-down",
  "broker-unreachable": "broker-unreachable",
  "tls-rejected": "tls-rejected",
  "not-authorised": "not-authorised",
  protocol: "broker-unreachable",
  closed: "broker-unreachable",
};

const failureEvents = {
  "network-down": "MQ410",
  "broker-unreachable": "MQ411",
  "tls-rejected": "MQ412",
  "not-authorised": "MQ413",
  protocol: "MQ415",
  closed: "MQ414",
} as const;

/**
 * The application: samples every sensor on a fixed interval, turns the samples into telemetry
 * records, hands them to the MQTT session, and keeps the status LED and the serial log telling
 * what is going on.
 */
export class Board {
  readonly #parts: BoardParts;
  readonly #topic: string;
  #sampler: unknown;
  #seq = 0;
  #connection: SessionChange = { state: "idle" };

  constructor(parts: BoardParts) {
    this.#parts = parts;
    this.#topic = `dt/aqm/${parts.thing}/telemetry`;
  }

  get sequence(): number {
    return this.#seq;
  }

  start(firmwareVersion: string): void {
    const { log, led, session, timer } = this.#parts;
    led.show("booting");
    log.event("BT100", { fw: firmwareVersion, thing: this.#parts.thing, boot: this.#parts.bootId, interval_ms: this.#parts.sampleIntervalMs });
    session.start();
    this.#sampler = timer.repeat(() => this.sampleOnce(), this.#parts.sampleIntervalMs);
  }

  /** Session changes arrive here (wired by main) so LED and log follow the connection. */
  onSessionChange(change: SessionChange): void {
    this.#connection = change;
    const { log, thing } = this.#parts;
    if (change.state === "connecting") log.event("MQ400", { thing });
    else if (change.state === "online") log.event("MQ401", { thing });
    else if (change.state === "waiting" && change.failure) {
      log.event(failureEvents[change.failure], { reason: change.detail });
      log.event("MQ420", { retry_ms: change.retryInMs });
    }
    this.#updateLed();
  }

  sampleOnce(): void {
    const { climate, particulates, health, log, session, now, encode, thing, bootId } = this.#parts;
    const climateSample = climate.sample();
    const pmSample = particulates.sample();
    const temperature = climateSample?.thermometer?.temperature;
    const humidity = climateSample?.hygrometer?.humidity;
    const channels: Record<string, ChannelHealth> = {};
    for (const [sensor, gotValues, warming] of [
      ["sht4x", temperature !== undefined && humidity !== undefined, false],
      ["pms5003", pmSample !== undefined, pmSample?.warming ?? false],
    ] as const) {
      const verdict = health.conclude(sensor, gotValues, warming);
      channels[sensor] = verdict.health;
      if (verdict.changed) log.event(verdict.health.startsWith("fault") ? "SN200" : "SN210", { sensor, reason: verdict.reason });
    }
    this.#seq++;
    const record: TelemetryRecord = {
      v: 1,
      thing,
      boot: bootId,
      seq: this.#seq,
      ts: now(),
      ...(temperature === undefined ? {} : { temperature_c: roundTo(temperature, 2) }),
      ...(humidity === undefined ? {} : { humidity_pct: roundTo(humidity, 2) }),
      ...(pmSample === undefined || pmSample.warming ? {} : { pm1_ugm3: pmSample.pm1, pm2_5_ugm3: pmSample.pm2_5, pm10_ugm3: pmSample.pm10 }),
      health: channels,
    };
    const dropped = session.publish(this.#topic, encode(encodeTelemetry(record)));
    if (dropped) log.event("SM310", { seq: record.seq });
    // A sensor that is not ok says so on the same line, so a missing value is never a mystery.
    const notOk: Record<string, string> = {};
    for (const sensor of Object.keys(channels)) if (channels[sensor] !== "ok") notOk[sensor] = channels[sensor]!;
    log.event("SM300", {
      seq: record.seq,
      t: record.temperature_c,
      rh: record.humidity_pct,
      pm1: record.pm1_ugm3,
      pm2_5: record.pm2_5_ugm3,
      pm10: record.pm10_ugm3,
      ...notOk,
    });
    this.#updateLed();
  }

  /** Stops sampling; calls back once every queued reading has been acknowledged by the broker. */
  stop(onStopped: () => void): void {
    this.#parts.timer.clear(this.#sampler);
    this.#sampler = undefined;
    this.#parts.session.drain(onStopped);
  }

  #updateLed(): void {
    const { led, health } = this.#parts;
    const connection = this.#connection;
    if (connection.state === "waiting" && connection.failure) led.show(failureLeds[connection.failure]);
    else if (health.anyFaulty) led.show("sensor-fault");
    else if (connection.state === "online") led.show("online");
    else if (connection.state === "connecting") led.show("connecting");
  }
}
