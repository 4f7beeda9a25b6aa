import type { CalibrationRecord } from "../gas/GasCalibration";
import { shadowTopicPrefix } from "../session/MqttTopics";
import { applyDesired, storeApplied, type CalibrationTarget, type DesiredOutcome, type RuntimeSettings, type SettingsPreferences } from "./RuntimeSettings";

/**
 * The board's side of its classic (unnamed) AWS IoT Device Shadow. On every connection it asks
 * for the shadow document, applies any desired state that differs from what it reports, and
 * reports its full state: firmware, boot, settings, calibration record, per-channel health and
 * the fields it rejected with why. Later deltas are applied as they come. The reported state is
 * always sent whole, so a copy lost with a connection is made good by the next one.
 */

/** A one-shot timer, as Moddable's `Timer.set` / `Timer.clear`; tests pass the virtual clock's. */
export interface ShadowTimer {
  set(callback: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

/**
 * How long the board waits for the answer to its get before asking again, doubling up to the
 * longest. The get goes out at QoS 0 right after SUBACK, and AWS warns that a subscription may
 * start delivering a moment after its SUBACK, so the answer can be lost; without one the board
 * would neither apply the desired state set while it was away nor report until something changed.
 */
export const GET_RETRY_FIRST_MS = 10_000;
export const GET_RETRY_LONGEST_MS = 300_000;

export interface ShadowTransport {
  /** QoS 0; false when offline (the next connection reports everything anyway). */
  send(topic: string, payload: ArrayBuffer): boolean;
}

export interface ShadowEvents {
  /** Settings changed: the board retimes its sampler, hands the scorer its config, and so on. */
  onApplied(outcome: DesiredOutcome): void;
  /** The shadow service refused an update or get, with its error code and message. */
  onServiceError(operation: "get" | "update", code: number, message: string): void;
}

export interface DeviceShadowOptions {
  readonly thing: string;
  readonly firmwareVersion: string;
  readonly bootId: number;
  readonly settings: RuntimeSettings;
  readonly calibration: CalibrationTarget & { readonly current: CalibrationRecord | undefined };
  readonly preferences: SettingsPreferences;
  readonly transport: ShadowTransport;
  readonly timer: ShadowTimer;
  readonly events: ShadowEvents;
  readonly encode: (text: string) => ArrayBuffer;
  readonly decode: (bytes: Uint8Array) => string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export class DeviceShadow {
  readonly #options: DeviceShadowOptions;
  readonly #prefix: string;
  #settings: RuntimeSettings;
  #health: Readonly<Record<string, string>> = {};
  /** Rejections stand until the field is applied or asked for again, so the cloud keeps seeing them. */
  #rejected: Record<string, string> = {};
  /**
   * The value each standing rejection refused, as JSON. The service sends the delta again after
   * every report while desired differs from reported, so a value refused once is not refused
   * and reported again: that would loop with the service for as long as the cloud keeps asking.
   */
  #refusedValues: Record<string, string> = {};
  /** The newest document version acted on; AWS may deliver deltas out of order. */
  #version = 0;
  /** The pending re-ask for the document while its answer has not come, and the wait before it. */
  #getRetry: unknown;
  #getRetryMs = GET_RETRY_FIRST_MS;

  constructor(options: DeviceShadowOptions) {
    this.#options = options;
    this.#prefix = shadowTopicPrefix(options.thing);
    this.#settings = options.settings;
  }

  get settings(): RuntimeSettings {
    return this.#settings;
  }

  /** The filters to subscribe on every connection: the answers to get and update, and deltas. */
  get subscriptions(): readonly string[] {
    return [`${this.#prefix}/get/accepted`, `${this.#prefix}/get/rejected`, `${this.#prefix}/update/delta`, `${this.#prefix}/update/rejected`];
  }

  /** Subscribed on a new connection: ask for the document, whose answer drives the first report. */
  connected(): void {
    this.#version = 0;
    this.#getRetryMs = GET_RETRY_FIRST_MS;
    this.#askForDocument();
  }

  #askForDocument(): void {
    this.#stopAsking();
    // Offline: the next connection asks again from the start.
    if (!this.#options.transport.send(`${this.#prefix}/get`, this.#options.encode("{}"))) return;
    this.#getRetry = this.#options.timer.set(() => {
      this.#getRetry = undefined;
      this.#getRetryMs = Math.min(2 * this.#getRetryMs, GET_RETRY_LONGEST_MS);
      this.#askForDocument();
    }, this.#getRetryMs);
  }

  #stopAsking(): void {
    if (this.#getRetry === undefined) return;
    this.#options.timer.clear(this.#getRetry);
    this.#getRetry = undefined;
  }

  /** The board's channel health changed; report it. */
  healthChanged(health: Readonly<Record<string, string>>): void {
    this.#health = health;
    this.#report();
  }

  /** Handles a message on one of the shadow topics; false when `topic` is not one of them. */
  receive(topic: string, payload: Uint8Array): boolean {
    if (!topic.startsWith(`${this.#prefix}/`)) return false;
    const suffix = topic.slice(this.#prefix.length + 1);
    let document: unknown;
    try {
      document = JSON.parse(this.#options.decode(payload));
    } catch {
      this.#options.events.onServiceError(suffix.startsWith("get") ? "get" : "update", 0, `${suffix}: payload is not JSON`);
      return true;
    }
    const body = isRecord(document) ? document : {};
    if (suffix === "get/accepted") {
      this.#stopAsking();
      this.#onDocument(body);
    } else if (suffix === "update/delta") this.#onDelta(body);
    else if (suffix === "get/rejected" || suffix === "update/rejected") this.#onRejected(suffix.startsWith("get") ? "get" : "update", body);
    return true;
  }

  #onDocument(document: Record<string, unknown>): void {
    const state = isRecord(document.state) ? document.state : {};
    const version = typeof document.version === "number" ? document.version : 0;
    if (isRecord(state.delta) && Object.keys(state.delta).length > 0) this.#apply(state.delta, version);
    else this.#report();
  }

  #onDelta(message: Record<string, unknown>): void {
    const version = typeof message.version === "number" ? message.version : 0;
    if (version !== 0 && version <= this.#version) return;
    if (isRecord(message.state)) this.#apply(message.state, version);
  }

  #onRejected(operation: "get" | "update", body: Record<string, unknown>): void {
    const code = typeof body.code === "number" ? body.code : 0;
    // Throttled or a service fault: the retry already scheduled asks again; any other answer is final.
    if (operation === "get" && code !== 429 && code < 500) this.#stopAsking();
    // No shadow yet: the first report creates it.
    if (operation === "get" && code === 404) {
      this.#report();
      return;
    }
    this.#options.events.onServiceError(operation, code, typeof body.message === "string" ? body.message : "no message");
  }

  #apply(desired: Record<string, unknown>, version: number): void {
    if (version > this.#version) this.#version = version;
    const fresh: Record<string, unknown> = {};
    for (const field of Object.keys(desired)) if (this.#refusedValues[field] !== JSON.stringify(desired[field])) fresh[field] = desired[field];
    if (Object.keys(fresh).length === 0) return;
    const outcome = applyDesired(this.#settings, fresh, this.#options.calibration);
    this.#settings = outcome.settings;
    for (const field of outcome.applied) {
      delete this.#rejected[field];
      delete this.#refusedValues[field];
    }
    Object.assign(this.#rejected, outcome.rejected);
    for (const field of Object.keys(outcome.rejected)) this.#refusedValues[field] = JSON.stringify(fresh[field]);
    if (outcome.applied.length > 0)
      storeApplied(
        this.#options.preferences,
        outcome.settings,
        outcome.applied.filter((field) => field !== "calibration"),
      );
    this.#options.events.onApplied(outcome);
    this.#report();
  }

  #report(): void {
    const { firmwareVersion, bootId, calibration } = this.#options;
    const reported = {
      firmware: firmwareVersion,
      boot: bootId,
      sampleIntervalMs: this.#settings.sampleIntervalMs,
      readIntervalMs: this.#settings.readIntervalMs,
      batchWaitMs: this.#settings.batchWaitMs,
      anomaly: this.#settings.anomaly,
      calibration: calibration.current ?? null,
      health: this.#health,
      // null deletes the field from the document once nothing is rejected.
      rejected: Object.keys(this.#rejected).length > 0 ? this.#rejected : null,
    };
    this.#options.transport.send(`${this.#prefix}/update`, this.#options.encode(JSON.stringify({ state: { reported } })));
  }
}
