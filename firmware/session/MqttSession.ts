import { Backoff } from "./Backoff";
import { MAX_FILTERS_PER_SUBSCRIBE, MAX_MESSAGE_BYTES, MAX_PUBLISHES_PER_SECOND, MAX_SUBSCRIPTIONS_PER_CONNECTION } from "./BrokerQuotas";
import { PerSecondQuota } from "./PerSecondQuota";
import { failureOf, type ConnectionStage } from "./ConnectionProbe";
import { batchOverhead, encodeBatch } from "../telemetry/TelemetryBatch";
import type { Outbox, OutboundMessage } from "./Outbox";

/** Why a connection failed, as the board's LED and log tell it. */
export type SessionFailure = "network-down" | "broker-unreachable" | "tls-rejected" | "not-authorised" | "protocol" | "closed";

/** The longest a reading may wait for others to share its message: an hour. */
export const BATCH_WAIT_MAX_MS = 3_600_000;

function checkedBatchWait(ms: number, batchBytes: number): number {
  if (!(Number.isInteger(ms) && ms >= 0 && ms <= BATCH_WAIT_MAX_MS))
    throw new RangeError(`batchWaitMs must be an integer from 0 to ${BATCH_WAIT_MAX_MS}, not ${ms}`);
  if (ms > 0 && batchBytes === 0) throw new RangeError("batchWaitMs needs batchBytes: with every message sent alone there is no batch to wait for");
  return ms;
}

/**
 * The most PUBLISHes the board sends in any second: a tenth under AWS IoT Core's quota, which the
 * broker counts as they arrive, and the network bunches what was sent evenly.
 */
export const PUBLISH_PACE_PER_SECOND = Math.floor(MAX_PUBLISHES_PER_SECOND * 0.9);
/** Of those, what a replaying backlog leaves for `send()`, so the shadow's requests never wait behind it. */
const SEND_RESERVE = 10;

/** The one state of the session. */
export type SessionState = "idle" | "connecting" | "online" | "waiting" | "stopped";

const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBSCRIBE = 8;
const SUBACK = 9;
const DISCONNECT = 14;
/** The SUBACK return code for a refused subscription (MQTT 3.1.1, 3.9.3). */
const SUBACK_FAILURE = 0x80;

/** The part of the ECMA-419 MQTT client the session uses. */
export interface MqttClientLike {
  write(
    data: ArrayBuffer,
    options: { operation?: number; topic?: string; QoS?: number; id?: number; duplicate?: boolean; items?: { topic: string; QoS: number }[] },
  ): number;
  read(count: number): ArrayBuffer;
  close(): void;
}

/**
 * A control packet as the Moddable SDK's client reports it, in one argument (its
 * examples/io/tcp/mqttclient/mqttclient.js `#parsed`; the typings' two-argument form is not what
 * runs): SUBACK's return codes come as an array of numbers.
 */
export interface ControlMessage {
  readonly operation: number;
  readonly id?: number;
  readonly returnCode?: number;
  readonly payload?: ArrayLike<number> | ArrayBufferLike | ArrayBufferView;
}

export interface MqttClientOptions {
  onControl: (message: ControlMessage) => void;
  /** A received message, or the next part of one: `topic` comes with its first part, `more` is false on its last. */
  onReadable: (count: number, options: { more: boolean; topic?: string }) => void;
  /**
   * The client failed and has closed itself: the SDK's client calls `onError()` with no argument,
   * then closes, and never calls `onClose`. `stage` is how far the connection got, from the
   * connection's probe (ConnectionProbe).
   */
  onError: (stage: ConnectionStage) => void;
}

export interface SessionTimer {
  set(callback: () => void, interval: number): unknown;
  clear(timer: unknown): void;
}

export interface SessionChange {
  readonly state: SessionState;
  readonly failure?: SessionFailure;
  readonly detail?: string;
  readonly retryInMs?: number;
}

/**
 * Keeps one MQTT connection to the broker: connects, publishes the outbound queue at QoS 1 in
 * order with at most `maxInFlight` unacknowledged, and on any failure closes, waits (capped
 * exponential backoff with full jitter; the longest wait for a rejected certificate or a refused
 * authorisation, which retrying soon cannot fix) and connects again, resending what was not acknowledged.
 */
export class MqttSession {
  readonly #connect: (options: MqttClientOptions) => MqttClientLike;
  readonly #timer: SessionTimer;
  readonly #backoff: Backoff;
  readonly #queue: Outbox;
  readonly #onChange: (change: SessionChange) => void;
  readonly #maxInFlight: number;
  readonly #batchBytes: number;
  #batchWaitMs: number;
  readonly #connectTimeoutMs: number;
  readonly #ackTimeoutMs: number;
  readonly #now: () => number;
  readonly #networkUp: () => boolean;
  #state: SessionState = "idle";
  #client: MqttClientLike | undefined;
  #lastFailure: SessionFailure | undefined;
  #watchdog: unknown;
  #retry: unknown;
  /** Wakes the session when a batch held for more readings is due. */
  #batchTimer: unknown;
  /** Wakes the session when the publish pace has room for the next message. */
  #paceTimer: unknown;
  readonly #publishPace = new PerSecondQuota(PUBLISH_PACE_PER_SECOND);
  /** When the last outbox message went, on any connection: a held batch is due `batchWaitMs` after it. */
  #lastSentAt: number | undefined;
  #nextPacketId = 1;
  #onDrained: (() => void) | undefined;
  readonly #subscriptions: readonly string[];
  readonly #onMessage: (topic: string, payload: Uint8Array) => void;
  readonly #onSubscribed: (refused: readonly string[]) => void;
  /** Each SUBSCRIBE of this connection awaiting its SUBACK, by packet id, with the filters it carried. */
  readonly #awaitingSuback = new Map<number, readonly string[]>();
  /** The filters refused by this connection's SUBACKs so far. */
  #refusedFilters: string[] = [];
  #incoming: { topic: string; parts: Uint8Array[] } | undefined;

  constructor(options: {
    connect: (options: MqttClientOptions) => MqttClientLike;
    timer: SessionTimer;
    backoff: Backoff;
    queue: Outbox;
    now: () => number;
    onChange: (change: SessionChange) => void;
    /** Messages sent and not yet acknowledged, at most; each is held in RAM until its PUBACK. */
    maxInFlight?: number;
    /**
     * A backlog of JSON messages on one topic goes out as `{"batch":[…]}` messages of at most this
     * many bytes (at most `maxInFlight` messages each); a message with none queued behind it goes
     * alone, as it is. 0 sends every message alone.
     */
    batchBytes?: number;
    /**
     * For a metered link: a message that would leave its batch short waits until this long after
     * the last message went, so readings taken meanwhile share its billing unit. A reading then
     * waits at most this long; one sent before (a resend) never waits, nor does a draining session.
     * 0 (the default) sends every reading as soon as it is queued. Needs `batchBytes`.
     */
    batchWaitMs?: number;
    connectTimeoutMs?: number;
    ackTimeoutMs?: number;
    /**
     * Topic filters subscribed at QoS 1 on every connection (clean sessions keep none), at most 50,
     * sent 8 to a SUBSCRIBE: AWS IoT Core ends a connection whose SUBSCRIBE carries more.
     */
    subscriptions?: readonly string[];
    onMessage?: (topic: string, payload: Uint8Array) => void;
    /** Once each connection's SUBACKs are all in, with the filters the broker refused. */
    onSubscribed?: (refused: readonly string[]) => void;
    /** Whether the board's network link is up: a connection lost while it is down failed as network-down. */
    networkUp?: () => boolean;
  }) {
    this.#connect = options.connect;
    this.#timer = options.timer;
    this.#backoff = options.backoff;
    this.#queue = options.queue;
    this.#now = options.now;
    this.#onChange = options.onChange;
    this.#maxInFlight = options.maxInFlight ?? 10;
    this.#batchBytes = options.batchBytes ?? 0;
    if (!(Number.isInteger(this.#batchBytes) && this.#batchBytes >= 0 && this.#batchBytes <= MAX_MESSAGE_BYTES))
      throw new RangeError(`batchBytes must be an integer from 0 to ${MAX_MESSAGE_BYTES} (AWS IoT Core's largest message), not ${this.#batchBytes}`);
    this.#batchWaitMs = checkedBatchWait(options.batchWaitMs ?? 0, this.#batchBytes);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.#subscriptions = options.subscriptions ?? [];
    // More would be refused on every connection, and the board could never learn its settings.
    if (this.#subscriptions.length > MAX_SUBSCRIPTIONS_PER_CONNECTION)
      throw new RangeError(`${this.#subscriptions.length} subscriptions: AWS IoT Core holds at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} on one connection`);
    this.#onMessage = options.onMessage ?? (() => {});
    this.#onSubscribed = options.onSubscribed ?? (() => {});
    this.#networkUp = options.networkUp ?? (() => true);
  }

  get state(): SessionState {
    return this.#state;
  }

  /** How full the store of unacknowledged readings is, 0 … 1. */
  get bufferFill(): number {
    return this.#queue.fill;
  }

  /** Messages dropped unsent since boot, to make room for newer ones. */
  get dropped(): number {
    return this.#queue.dropped;
  }

  get batchWaitMs(): number {
    return this.#batchWaitMs;
  }

  /** The cloud changed the wait: a batch held under the old one is reconsidered at once. */
  set batchWaitMs(ms: number) {
    this.#batchWaitMs = checkedBatchWait(ms, this.#batchBytes);
    this.#clearBatchTimer();
    this.#pump();
  }

  start(): void {
    if (this.#state === "idle") this.#open();
  }

  /**
   * The network just came back: a session waiting out its backoff for a network failure tries at
   * once instead of sleeping on. A refused certificate or authorisation keeps its long wait.
   */
  networkRestored(): void {
    if (this.#state !== "waiting" || this.#lastFailure === "tls-rejected" || this.#lastFailure === "not-authorised") return;
    this.#timer.clear(this.#retry);
    this.#retry = undefined;
    this.#open();
  }

  /** Queues a message for delivery at QoS 1; returns how many of the oldest were dropped to make room. */
  publish(topic: string, payload: ArrayBuffer): number {
    const dropped = this.#queue.push(topic, payload);
    this.#pump();
    return dropped;
  }

  /** Rewrites waiting messages before they are sent (see Outbox.restamp); returns how many changed. */
  restampWaiting(rewrite: (payload: ArrayBuffer) => ArrayBuffer | undefined): number {
    return this.#queue.restamp(rewrite);
  }

  /**
   * Sends a message at QoS 0, outside the outbox, when online and within the publish pace; false
   * when not. For state that is sent again in full on every connection (the shadow's reported
   * state), so a copy lost with a connection costs nothing and never waits behind queued readings.
   */
  send(topic: string, payload: ArrayBuffer): boolean {
    if (this.#state !== "online" || !this.#publishPace.admit(this.#now())) return false;
    return this.#write(payload, { operation: PUBLISH, topic, QoS: 0 });
  }

  /** Stops taking new work once everything queued is acknowledged, then disconnects and calls `onDrained`. */
  drain(onDrained: () => void): void {
    this.#onDrained = onDrained;
    // A batch held for more readings goes now: no more are coming.
    this.#pump();
    this.#finishIfDrained();
  }

  #enter(change: SessionChange): void {
    this.#state = change.state;
    this.#onChange(change);
  }

  #open(): void {
    this.#enter({ state: "connecting" });
    this.#watchdog = this.#timer.set(() => this.#fail("broker-unreachable", "no CONNACK in time"), this.#connectTimeoutMs);
    try {
      this.#client = this.#connect({
        onControl: (message) => this.#onControl(message.operation, message.id ?? 0, message.payload),
        onReadable: (count, options) => this.#onReadable(count, options),
        onError: (stage) => {
          const { failure, detail } = failureOf(stage, this.#state === "online", this.#networkUp());
          this.#fail(failure, detail);
        },
      });
    } catch (error) {
      this.#fail("broker-unreachable", String(error));
    }
  }

  #onControl(operation: number, id: number, payload: ControlMessage["payload"]): void {
    if (operation === CONNACK && this.#state === "connecting") {
      this.#timer.clear(this.#watchdog);
      this.#watchdog = undefined;
      this.#backoff.reset();
      this.#enter({ state: "online" });
      this.#subscribe();
      this.#pump();
    } else if (operation === PUBACK) {
      this.#queue.acknowledge(id);
      this.#pump();
    } else if (operation === SUBACK) {
      const filters = this.#awaitingSuback.get(id);
      if (!filters) return;
      this.#awaitingSuback.delete(id);
      const codes: ArrayLike<number> =
        payload === undefined
          ? []
          : ArrayBuffer.isView(payload)
            ? new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)
            : "length" in payload
              ? payload
              : new Uint8Array(payload);
      // A filter the SUBACK has no code for was not granted either.
      for (let i = 0; i < filters.length; i++) if (codes[i] === undefined || codes[i] === SUBACK_FAILURE) this.#refusedFilters.push(filters[i]!);
      if (this.#awaitingSuback.size === 0) this.#onSubscribed(this.#refusedFilters);
    }
  }

  #subscribe(): void {
    this.#refusedFilters = [];
    for (let at = 0; at < this.#subscriptions.length && this.#client; at += MAX_FILTERS_PER_SUBSCRIBE) {
      const filters = this.#subscriptions.slice(at, at + MAX_FILTERS_PER_SUBSCRIBE);
      const id = this.#allocatePacketId();
      this.#awaitingSuback.set(id, filters);
      if (!this.#write(new ArrayBuffer(0), { operation: SUBSCRIBE, id, items: filters.map((topic) => ({ topic, QoS: 1 })) })) return;
    }
  }

  #onReadable(count: number, options: { more: boolean; topic?: string }): void {
    if (!this.#client) return;
    const part = new Uint8Array(this.#client.read(count));
    if (options.topic !== undefined) this.#incoming = { topic: options.topic, parts: [] };
    const incoming = this.#incoming;
    if (!incoming) return;
    incoming.parts.push(part);
    if (options.more) return;
    this.#incoming = undefined;
    let length = 0;
    for (const p of incoming.parts) length += p.length;
    const payload = new Uint8Array(length);
    let offset = 0;
    for (const p of incoming.parts) {
      payload.set(p, offset);
      offset += p.length;
    }
    this.#onMessage(incoming.topic, payload);
  }

  #pump(): void {
    if (this.#state !== "online" || !this.#client) return;
    for (let first = this.#queue.nextUnsent(); first && this.#queue.inFlight < this.#maxInFlight; first = this.#queue.nextUnsent()) {
      const packetId = this.#allocatePacketId();
      const now = this.#now();
      const group = [first];
      let bytes = first.payload.byteLength;
      first.packetId = packetId;
      let next: OutboundMessage | undefined;
      if (this.#batchBytes > 0) {
        for (
          next = this.#queue.nextUnsent();
          next &&
          next.topic === first.topic &&
          this.#queue.inFlight < this.#maxInFlight &&
          bytes + next.payload.byteLength + batchOverhead(group.length + 1) <= this.#batchBytes;
          next = this.#queue.nextUnsent()
        ) {
          next.packetId = packetId;
          group.push(next);
          bytes += next.payload.byteLength;
        }
      }
      // Nothing left behind the group means it could still grow: it may wait for more readings.
      if ((next === undefined && this.#holdForMore(group, now)) || !this.#admitPublish(now)) {
        for (const message of group) message.packetId = 0;
        this.#nextPacketId = packetId;
        break;
      }
      for (const message of group) {
        message.sentAt = now;
        message.attempts++;
      }
      const payload = group.length === 1 ? first.payload : encodeBatch(group.map((message: OutboundMessage) => message.payload));
      // DUP says the broker may have had this very packet before: only when every reading in it went already.
      if (!this.#write(payload, { operation: PUBLISH, topic: first.topic, QoS: 1, id: packetId, duplicate: group.every((message) => message.attempts > 1) }))
        return;
      this.#lastSentAt = now;
    }
    this.#armAckWatchdog();
    this.#finishIfDrained();
  }

  /**
   * Whether a group that could still grow waits for more readings, arming the wake-up if so. It
   * waits only with a wait set, only while every reading in it is new (a resend has waited
   * already), never while draining, and only until `batchWaitMs` after the last message went.
   */
  #holdForMore(group: readonly OutboundMessage[], now: number): boolean {
    if (this.#batchWaitMs === 0 || this.#onDrained || this.#lastSentAt === undefined || group.some((message) => message.attempts > 0)) return false;
    const wait = this.#lastSentAt + this.#batchWaitMs - now;
    if (wait <= 0) return false;
    this.#batchTimer ??= this.#timer.set(() => {
      this.#batchTimer = undefined;
      this.#pump();
    }, wait);
    return true;
  }

  #clearBatchTimer(): void {
    this.#timer.clear(this.#batchTimer);
    this.#batchTimer = undefined;
  }

  /** Whether the next outbox message fits the publish pace now, arming the wake-up if not. */
  #admitPublish(now: number): boolean {
    if (this.#publishPace.admit(now, SEND_RESERVE)) return true;
    this.#paceTimer ??= this.#timer.set(
      () => {
        this.#paceTimer = undefined;
        this.#pump();
      },
      Math.max(1, this.#publishPace.readyAt(SEND_RESERVE) - now),
    );
    return false;
  }

  #clearPaceTimer(): void {
    this.#timer.clear(this.#paceTimer);
    this.#paceTimer = undefined;
  }

  /** A broker that stops acknowledging is treated as a lost connection, so the messages go again on a new one. */
  #armAckWatchdog(): void {
    this.#timer.clear(this.#watchdog);
    this.#watchdog = undefined;
    const oldest = this.#queue.oldestInFlight();
    if (!oldest) return;
    const wait = Math.max(1, oldest.sentAt + this.#ackTimeoutMs - this.#now());
    this.#watchdog = this.#timer.set(() => this.#fail("closed", "no PUBACK in time"), wait);
  }

  #finishIfDrained(): void {
    if (!this.#onDrained || this.#queue.length > 0) return;
    const onDrained = this.#onDrained;
    this.#onDrained = undefined;
    this.#stop();
    onDrained();
  }

  #stop(): void {
    this.#timer.clear(this.#watchdog);
    this.#timer.clear(this.#retry);
    this.#clearBatchTimer();
    this.#clearPaceTimer();
    const client = this.#client;
    this.#client = undefined;
    this.#enter({ state: "stopped" });
    if (client) {
      try {
        client.write(new ArrayBuffer(0), { operation: DISCONNECT });
      } catch {
        // Already gone: there is nothing to say goodbye to.
      }
      client.close();
    }
  }

  /**
   * Writes on the current connection. The connection may have dropped before its close event has
   * reached the session; the client then throws, and that is one more way to fail, not a crash.
   */
  #write(data: ArrayBuffer, options: Parameters<MqttClientLike["write"]>[1]): boolean {
    const client = this.#client;
    if (!client) return false;
    try {
      client.write(data, options);
      return true;
    } catch (error) {
      this.#fail("closed", `write failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  #allocatePacketId(): number {
    const id = this.#nextPacketId;
    this.#nextPacketId = (this.#nextPacketId % 0xffff) + 1;
    return id;
  }

  /** The one failure path: drop the connection, keep every unacknowledged message, wait, connect again. */
  #fail(failure: SessionFailure, detail: string): void {
    if (this.#state === "stopped" || this.#state === "waiting") return;
    this.#timer.clear(this.#watchdog);
    this.#watchdog = undefined;
    this.#clearBatchTimer();
    this.#clearPaceTimer();
    const client = this.#client;
    this.#client = undefined;
    this.#awaitingSuback.clear();
    this.#incoming = undefined;
    client?.close();
    this.#queue.requeueInFlight();
    this.#lastFailure = failure;
    const permanent = failure === "tls-rejected" || failure === "not-authorised";
    const retryInMs = permanent ? this.#backoff.longest() : this.#backoff.next();
    this.#enter({ state: "waiting", failure, detail, retryInMs });
    this.#retry = this.#timer.set(() => {
      this.#retry = undefined;
      this.#open();
    }, retryInMs);
  }
}
