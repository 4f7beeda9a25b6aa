import type { MqttConnection, MqttConnectionEvents, MqttConnector } from "../platform/MqttConnector.ts";
import type { MqttOpenOptions, MqttWriteOptions } from "../platform/portable/HostPort.ts";
import { MqttOperation } from "../platform/portable/HostPort.ts";
import { LoopbackBroker } from "./LoopbackBroker.ts";

/**
 * A loopback broker behind a faulty path, for delivery tests under the virtual clock. Each fault
 * is one the field sees between a board and IoT Core:
 *
 * - `down`: the broker is stopped or restarting: the open connection drops, new ones fail as
 *   unreachable until it is up again;
 * - `tlsFailure`: the next connection fails in the TLS handshake (a proxy or load balancer
 *   resetting it), once;
 * - `cutAfterWrites`: the connection drops at the board's next so-many-th packet, as a NAT
 *   timeout or a dying link does, mid-stream; that packet reaches the broker or not, at random;
 * - `ackLoss`: each PUBACK is lost with this probability after the broker has the message, so the
 *   board resends it and the lake sees it twice: the duplicate that (boot, seq) removes.
 *
 * Randomness comes from a seed, so a failing run can be replayed.
 */
export class ChaosBroker {
  readonly inner = new LoopbackBroker();
  tlsFailure = false;
  cutAfterWrites: number | undefined;
  ackLoss = 0;
  /** What was injected, for the test's own accounting. */
  readonly counts = { refused: 0, tlsFailures: 0, cuts: 0, acksLost: 0 };
  #seed: number;
  #down = false;
  readonly #open = new Set<() => void>();

  get down(): boolean {
    return this.#down;
  }

  set down(down: boolean) {
    this.#down = down;
    if (down) for (const cut of [...this.#open]) cut();
  }

  constructor(seed: number) {
    this.#seed = seed >>> 0 || 1;
  }

  /** Uniform in [0, 1), xorshift32. */
  random(): number {
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed / 0x1_0000_0000;
  }

  readonly connect: MqttConnector = (options: MqttOpenOptions, events: MqttConnectionEvents): MqttConnection => {
    if (this.down || this.tlsFailure) {
      const tls = !this.down;
      this.tlsFailure = false;
      if (tls) this.counts.tlsFailures++;
      else this.counts.refused++;
      events.onError(tls ? "closed" : "broker-unreachable", tls ? "connection reset during the TLS handshake" : "ECONNREFUSED");
      events.onClose();
      return { write: () => {}, close: () => {} };
    }
    let open = true;
    const cut = (): void => {
      if (!open) return;
      open = false;
      this.#open.delete(cut);
      this.counts.cuts++;
      inner.close();
      events.onError("closed", "connection reset by peer");
      events.onClose();
    };
    const inner = this.inner.connect(options, {
      ...events,
      onControl: (operation, id, payload) => {
        if (!open) return;
        if (operation === MqttOperation.PUBACK && this.random() < this.ackLoss) {
          this.counts.acksLost++;
          return;
        }
        events.onControl(operation, id, payload);
      },
      onMessage: (topic, QoS, payload) => open && events.onMessage(topic, QoS, payload),
    });
    this.#open.add(cut);
    return {
      write: (data: Uint8Array, write: MqttWriteOptions) => {
        if (!open) throw new Error("connection is closed");
        const cutNow = this.cutAfterWrites !== undefined && --this.cutAfterWrites <= 0;
        if (cutNow) this.cutAfterWrites = undefined;
        // A cut packet may have reached the broker or not; either must end with nothing lost.
        const reachesBroker = !cutNow || this.random() < 0.5;
        if (reachesBroker) inner.write(data, write);
        if (cutNow) cut();
      },
      close: () => {
        open = false;
        this.#open.delete(cut);
        inner.close();
      },
    };
  };
}
