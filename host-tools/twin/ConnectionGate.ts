import type { MqttConnection, MqttConnectionEvents, MqttConnector } from "../board-sim/platform/MqttConnector.ts";
import { MqttOperation, type MqttWriteOptions } from "../board-sim/platform/portable/HostPort.ts";

/**
 * At most `limit` of the fleet's connections between opening and CONNACK at once; the others wait
 * their turn, their writes held until then. Real boards each have a CPU for their handshake; the
 * simulated ones share the host's with the broker, and a thousand handshakes at once made every one
 * of them miss the firmware's 30 s CONNACK watchdog, retry and start again: a storm that never
 * settled. A board still waiting when its watchdog fires gives its turn up and costs the broker nothing.
 */
export class ConnectionGate {
  readonly limit: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`a connection gate lets a whole number of connections from 1 through at once, not ${limit}`);
    this.limit = limit;
  }

  /** Connections opening now (between open and CONNACK, an error or a close). */
  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** `connect` behind the gate. */
  connector(connect: MqttConnector): MqttConnector {
    return (options, events) => {
      let inner: MqttConnection | undefined;
      let closed = false;
      let holding = false;
      const held: [Uint8Array, MqttWriteOptions][] = [];
      const release = (): void => {
        if (!holding) return;
        holding = false;
        this.#inFlight--;
        this.#admit();
      };
      const gated: MqttConnectionEvents = {
        onControl: (operation, id, payload) => {
          if (operation === MqttOperation.CONNACK) release();
          if (payload === undefined) events.onControl(operation, id);
          else events.onControl(operation, id, payload);
        },
        onMessage: (topic, QoS, payload) => events.onMessage(topic, QoS, payload),
        onError: (code, message) => {
          release();
          events.onError(code, message);
        },
        onClose: () => {
          release();
          events.onClose();
        },
      };
      const start = (): void => {
        if (closed) return;
        holding = true;
        this.#inFlight++;
        inner = connect(options, gated);
        for (const [data, writeOptions] of held.splice(0)) inner.write(data, writeOptions);
      };
      this.#waiting.push(start);
      this.#admit();
      return {
        write: (data, writeOptions) => (inner ? inner.write(data, writeOptions) : void held.push([data.slice(), writeOptions])),
        close: () => {
          closed = true;
          release();
          inner?.close();
        },
      };
    };
  }

  #admit(): void {
    while (this.#inFlight < this.limit && this.#waiting.length > 0) this.#waiting.shift()!();
  }
}
