import type { MqttConnection, MqttConnectionEvents, MqttConnector } from "../platform/MqttConnector.ts";
import type { MqttOpenOptions, MqttWriteOptions } from "../platform/portable/HostPort.ts";
import { MqttOperation } from "../platform/portable/HostPort.ts";
import { readingsOf } from "../../../firmware/telemetry/TelemetryBatch.ts";

const { CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK } = MqttOperation;

export interface LoopbackPublish {
  readonly clientId: string;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly id: number;
  readonly duplicate: boolean;
}

/**
 * An in-process broker for runs that must not depend on sockets or wall time (the XS-versus-Node
 * comparison, unit tests under the virtual clock): it accepts every connection, acknowledges
 * every QoS 1 publish, and records what it received. Its answers reach the board on the board's
 * next tick, because the BoardHardware queues every connection event until then. `refuse` makes the next connections fail
 * the way a real broker would.
 */
export class LoopbackBroker {
  readonly publishes: LoopbackPublish[] = [];
  refuse: { code: string; message: string } | undefined;
  connections = 0;
  /** Filters the latest connection subscribed to (a clean session: each connection starts with none). */
  subscriptions: string[] = [];
  /** Filters to refuse with SUBACK 0x80, as a broker enforcing a policy would. */
  refuseSubscriptions = new Set<string>();
  /** Called for each publish received, so a test can play a service that answers (a Device Shadow). */
  onPublish: ((publish: LoopbackPublish) => void) | undefined;
  #deliver: ((topic: string, payload: Uint8Array) => void) | undefined;

  /** The publishes received on one topic, e.g. the telemetry topic, decoded as JSON. */
  json<T = Record<string, unknown>>(topic: string | RegExp): T[] {
    return this.publishes
      .filter((p) => (typeof topic === "string" ? p.topic === topic : topic.test(p.topic)))
      .map((p) => JSON.parse(new TextDecoder().decode(p.payload)) as T);
  }

  /** The readings published on telemetry topics: a batch message gives each of its readings. */
  readings<T = Record<string, unknown>>(topic: string | RegExp): T[] {
    return this.json<unknown>(topic).flatMap((message) => readingsOf(message) as T[]);
  }

  /** Sends a message to the connected board if it subscribed to a matching filter; false if it did not get it. */
  deliver(topic: string, payload: string | Uint8Array): boolean {
    if (!this.#deliver || !this.subscriptions.some((filter) => topicMatches(filter, topic))) return false;
    this.#deliver(topic, typeof payload === "string" ? new TextEncoder().encode(payload) : payload);
    return true;
  }

  readonly connect: MqttConnector = (options: MqttOpenOptions, events: MqttConnectionEvents): MqttConnection => {
    this.connections++;
    const refusal = this.refuse;
    let open = refusal === undefined;
    if (refusal) {
      events.onError(refusal.code, refusal.message);
      events.onClose();
    } else {
      this.subscriptions = [];
      this.#deliver = (topic, payload) => open && events.onMessage(topic, 1, payload);
      events.onControl(CONNACK, 0);
    }
    return {
      write: (data: Uint8Array, write: MqttWriteOptions) => {
        if (!open) throw new Error("loopback connection is closed");
        if (write.operation === PUBLISH) {
          const publish = { clientId: options.id, topic: write.topic ?? "", payload: data.slice(), id: write.id ?? 0, duplicate: write.duplicate ?? false };
          this.publishes.push(publish);
          if ((write.QoS ?? 0) > 0) events.onControl(PUBACK, write.id ?? 0);
          this.onPublish?.(publish);
        } else if (write.operation === SUBSCRIBE) {
          const items = write.items ?? [];
          const granted = Uint8Array.from(items.map((item) => (this.refuseSubscriptions.has(item.topic) ? 0x80 : Math.min(item.QoS, 1))));
          this.subscriptions.push(...items.filter((item) => !this.refuseSubscriptions.has(item.topic)).map((item) => item.topic));
          events.onControl(SUBACK, write.id ?? 0, granted);
        }
      },
      close: () => {
        open = false;
      },
    };
  };
}

/** MQTT 3.1.1 topic filter matching (4.7): `+` one level, `#` the rest. */
function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
