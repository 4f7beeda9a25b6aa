import type { SerialLog } from "../log/SerialLog";
import { CHANNELS } from "../telemetry/Channels";
import type { IntervalReading, Sampler } from "../sampling/Sampler";
import type { MqttSession, SessionChange, SessionFailure } from "../session/MqttSession";
import { telemetryTopic } from "../session/MqttTopics";
import type { LedState } from "../status/LedPatterns";
import type { StatusLed } from "../status/StatusLed";
import { encodeTelemetry, TELEMETRY_SCHEMA_VERSION, type ChannelHealth, type TelemetryRecord } from "../telemetry/TelemetryRecord";
import type { NetworkChange, NetworkState } from "../network/NetworkLink";
import type { DesiredOutcome } from "../shadow/RuntimeSettings";
import { shiftedTimestamp, unsetClockOffsets, unsetClockStamp } from "../telemetry/UnsetClockTimes";
import type { AnomalyWatch } from "./AnomalyWatch";
import type { HealthChange, SensorHealth } from "./SensorHealth";

/** How long the LED keeps showing an anomaly after the last flagged reading. */
export const ANOMALY_LED_HOLD_MS = 600_000;
/** Fill levels of the store of unsent readings that are logged when crossed while offline. */
const FILL_WARNINGS = [0.5, 0.75, 0.9] as const;
/** From this fill on, an offline board shows buffer-nearly-full instead of why it is offline. */
export const BUFFER_LED_FILL = 0.75;

/** The part of the Device Shadow client the board drives. */
export interface BoardShadow {
  connected(): void;
  healthChanged(health: Readonly<Record<string, string>>): void;
}

export interface BoardParts {
  /** Joins Wi-Fi and sets the clock; its changes come back through onNetworkChange. */
  readonly network: { start(): void };
  readonly thing: string;
  readonly bootId: number;
  readonly sampler: Sampler;
  readonly shadow?: BoardShadow;
  readonly anomaly?: AnomalyWatch;
  readonly health: SensorHealth;
  readonly session: MqttSession;
  readonly led: StatusLed;
  readonly log: SerialLog;
  readonly now: () => number;
  readonly encode: (text: string) => ArrayBuffer;
  readonly decode: (bytes: ArrayBuffer) => string;
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
 * The application: turns each interval's reading from the sampler into a telemetry record, hands
 * it to the MQTT session, and keeps the status LED and the serial log telling what is going on.
 */
export class Board {
  readonly #parts: BoardParts;
  readonly #topic: string;
  #seq = 0;
  #connection: SessionChange = { state: "idle" };
  #lastAnomalyAt: number | undefined;
  #network: NetworkState | undefined;
  /** The highest fill warning logged since the board was last online. */
  #fillWarned = 0;
  /** Until SNTP has set the clock, readings are queued with the unset clock's times, corrected when it is set. */
  #clockSet = false;
  #unsetClockLogged = false;

  constructor(parts: BoardParts) {
    this.#parts = parts;
    this.#topic = telemetryTopic(parts.thing);
  }

  get sequence(): number {
    return this.#seq;
  }

  /** This start's number, which with the sequence number identifies a reading. */
  get bootId(): number {
    return this.#parts.bootId;
  }

  start(firmwareVersion: string): void {
    const { log, led, sampler } = this.#parts;
    led.show("booting");
    log.event("BT100", { fw: firmwareVersion, thing: this.#parts.thing, boot: this.#parts.bootId, interval_ms: sampler.sampleIntervalMs });
    sampler.start((reading, intervalMs) => this.report(reading, intervalMs));
    this.#parts.network.start();
  }

  /** Network changes arrive here: TLS starts only once Wi-Fi is up and the clock is set. */
  onNetworkChange(change: NetworkChange): void {
    const { log, session } = this.#parts;
    this.#network = change.state;
    if (change.state === "no-settings") log.event("NW140");
    else if (change.state === "joining-wifi") {
      if (change.retryInMs === undefined) log.event("NW100", { ssid: change.detail });
      else log.event("NW110", { reason: change.detail, retry_ms: change.retryInMs });
    } else if (change.state === "waiting-for-time") {
      if (change.retryInMs === undefined) log.event("NW120", { host: change.host });
      else log.event("NW130", { host: change.host, retry_ms: change.retryInMs });
    } else {
      if (change.clockStepMs !== undefined) {
        log.event("NW121", { host: change.host, step_ms: change.clockStepMs });
        this.#restampUnsetClock(change.clockStepMs);
      } else log.event("NW101");
      if (session.state === "idle") session.start();
      else session.networkRestored();
    }
    this.#updateLed();
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

  /** The session subscribed (or found its subscriptions refused) on a new connection. */
  onSubscribed(refused: readonly string[]): void {
    if (refused.length > 0) this.#parts.log.event("SH730", { topics: refused.join(",") });
    else this.#parts.shadow?.connected();
  }

  /** Settings came from the cloud: log each outcome, retime the sampler if the timing changed, and pass a new batch wait to the session. */
  applySettings(outcome: DesiredOutcome): void {
    const { log, sampler } = this.#parts;
    const { settings, applied, rejected } = outcome;
    if (applied.includes("sampleIntervalMs") || applied.includes("readIntervalMs")) sampler.retime(settings.readIntervalMs, settings.sampleIntervalMs);
    if (applied.includes("batchWaitMs")) this.#parts.session.batchWaitMs = settings.batchWaitMs;
    if (applied.includes("anomaly")) this.#parts.anomaly?.reconfigure(settings.anomaly);
    if (outcome.calibration) log.event("CF134", { id: outcome.calibration.id });
    if (applied.length > 0) log.event("SH700", { fields: applied.join(",") });
    for (const field of Object.keys(rejected)) {
      if (field === "calibration") log.event("CF133", { reason: rejected[field] });
      else log.event("SH710", { field, reason: rejected[field] });
    }
  }

  /** Publishes one interval's reading and logs it, with every channel that is not ok and why. */
  report(reading: IntervalReading, intervalMs: number): void {
    const { health, log, now, thing, bootId, shadow, anomaly } = this.#parts;
    const changes = health.update(reading);
    for (const change of changes) this.#logChange(change);
    if (changes.length > 0) shadow?.healthChanged(health.snapshot());
    this.#seq++;
    const values: Partial<Record<string, number>> = {};
    const channels = {} as Record<string, ChannelHealth>;
    const line: Record<string, string | number> = { seq: this.#seq };
    for (const { name, logKey, decimals } of CHANNELS) {
      const result = reading[name];
      channels[name] = result.health;
      if (result.value !== undefined) {
        values[name] = result.value;
        line[logKey] = Number(result.value.toFixed(decimals));
      } else line[logKey] = result.health;
    }
    const ts = now();
    const verdict = anomaly?.score(reading, ts);
    const record: TelemetryRecord = {
      v: TELEMETRY_SCHEMA_VERSION,
      thing,
      boot: bootId,
      seq: this.#seq,
      ts,
      interval_s: intervalMs / 1000,
      values,
      health: channels as TelemetryRecord["health"],
      ...(verdict ? { anomaly: verdict.score } : {}),
    };
    if (!this.#clockSet && !this.#unsetClockLogged) {
      this.#unsetClockLogged = true;
      log.event("SM320");
    }
    // Into the flash queue at once, whatever the clock: a restart before SNTP answers loses nothing.
    this.#publish(record);
    log.event("SM300", line);
    this.#checkFill();
    if (verdict?.flagged) {
      this.#lastAnomalyAt = ts;
      log.event("AN800", { seq: record.seq, channel: verdict.channel, score: Number(verdict.score.toFixed(3)) });
    }
    this.#updateLed();
  }

  #checkFill(): void {
    if (this.#connection.state === "online") {
      this.#fillWarned = 0;
      return;
    }
    const fill = this.#parts.session.bufferFill;
    const crossed = FILL_WARNINGS.filter((level) => fill >= level && level > this.#fillWarned).at(-1);
    if (crossed === undefined) return;
    this.#fillWarned = crossed;
    this.#parts.log.event("SF630", { percent: Math.floor(fill * 100) });
  }

  #publish(record: TelemetryRecord): void {
    const { session, log } = this.#parts;
    const dropped = session.publish(this.#topic, this.#parts.encode(encodeTelemetry(record)));
    if (dropped > 0) log.event("SM310", { seq: record.seq, count: dropped, total: session.dropped });
  }

  /**
   * The clock moved by `stepMs` when it was set, before the session starts: every queued reading
   * stamped on an unset clock (this boot's, or an earlier boot's that ended before its clock was
   * set) gets a wall time (see unsetClockOffsets) before it goes out.
   */
  #restampUnsetClock(stepMs: number): void {
    if (this.#clockSet) return;
    this.#clockSet = true;
    const { session, decode, encode, bootId } = this.#parts;
    const spans = new Map<number, { first: number; last: number }>();
    session.restampWaiting((payload) => {
      const stamp = unsetClockStamp(decode(payload));
      if (stamp) {
        const span = spans.get(stamp.boot);
        spans.set(stamp.boot, { first: Math.min(span?.first ?? stamp.ts, stamp.ts), last: Math.max(span?.last ?? stamp.ts, stamp.ts) });
      }
      return undefined;
    });
    if (spans.size === 0) return;
    const offsets = unsetClockOffsets(spans, bootId, stepMs);
    session.restampWaiting((payload) => {
      const json = decode(payload);
      const stamp = unsetClockStamp(json);
      return stamp ? encode(shiftedTimestamp(json, offsets.get(stamp.boot)!)) : undefined;
    });
  }

  /** Stops sampling; calls back once every queued reading has been acknowledged by the broker. */
  stop(onStopped: () => void): void {
    this.#parts.sampler.stop();
    this.#parts.session.drain(onStopped);
  }

  #logChange({ channel, from, to, reason }: HealthChange): void {
    const { log } = this.#parts;
    if (to.startsWith("fault:")) log.event("SN200", { channel, code: to.slice(6), reason });
    else if (to === "warming") log.event("SN220", { channel });
    else if (from === "warming") log.event("SN221", { channel });
    // A channel that is ok from the first reading on needs no line; one that recovers does.
    else if (from !== undefined) log.event("SN210", { channel, was: from });
  }

  #updateLed(): void {
    const { led, health } = this.#parts;
    const connection = this.#connection;
    const offline = connection.state === "waiting" || this.#network === "joining-wifi";
    if (offline && this.#parts.session.bufferFill >= BUFFER_LED_FILL) led.show("buffer-nearly-full");
    else if (connection.state === "waiting" && connection.failure && this.#network === "ready") led.show(failureLeds[connection.failure]);
    else if (this.#network === "no-settings") led.show("not-provisioned");
    else if (this.#network === "joining-wifi" || this.#network === "waiting-for-time") led.show(this.#network);
    else if (health.anyFaulty) led.show("sensor-fault");
    else if (this.#lastAnomalyAt !== undefined && this.#parts.now() - this.#lastAnomalyAt < ANOMALY_LED_HOLD_MS) led.show("anomaly");
    else if (connection.state === "online") led.show("online");
    else if (connection.state === "connecting") led.show("connecting");
  }
}
