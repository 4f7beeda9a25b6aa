import type { MqttConnection, MqttConnectionEvents, MqttConnector } from "../platform/MqttConnector.ts";
import type { MqttOpenOptions, MqttWriteOptions } from "../platform/portable/HostPort.ts";
import { MqttOperation } from "../platform/portable/HostPort.ts";

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
 * next tick, because the SimBoard queues every connection event until then. `refuse` makes the next connections fail
 * the way a real broker would.
 */
export class LoopbackBroker {
  readonly publishes: LoopbackPublish[] = [];
  refuse: { code: string; message: string } | undefined;
  connections = 0;

  readonly connect: MqttConnector = (options: MqttOpenOptions, events: MqttConnectionEvents): MqttConnection => {
    this.connections++;
    const refusal = this.refuse;
    let open = refusal === undefined;
    if (refusal) {
      events.onError(refusal.code, refusal.message);
      events.onClose();
    } else events.onControl(CONNACK, 0);
    return {
      write: (data: Uint8Array, write: MqttWriteOptions) => {
        if (!open) throw new Error("loopback connection is closed");
        if (write.operation === PUBLISH) {
          this.publishes.push({ clientId: options.id, topic: write.topic ?? "", payload: data.slice(), id: write.id ?? 0, duplicate: write.duplicate ?? false });
          if ((write.QoS ?? 0) > 0) events.onControl(PUBACK, write.id ?? 0);
        } else if (write.operation === SUBSCRIBE) {
          const granted = Uint8Array.from((write.items ?? []).map((item) => Math.min(item.QoS, 1)));
          events.onControl(SUBACK, write.id ?? 0, granted);
        }
      },
      close: () => {
        open = false;
      },
    };
  };
}
