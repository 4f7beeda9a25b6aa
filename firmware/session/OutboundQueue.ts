import type { Outbox, OutboundMessage } from "./Outbox";

/**
 * Messages waiting for the broker's PUBACK, in RAM, in the order they were queued. A message
 * leaves only when acknowledged; when the queue is full the oldest is dropped and counted, never
 * silently. For a board without a flash partition; FlashOutbox keeps them across reboots.
 */
export class OutboundQueue implements Outbox {
  readonly #capacity: number;
  readonly #messages: OutboundMessage[] = [];
  #dropped = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`queue capacity must be a positive integer, not ${capacity}`);
    this.#capacity = capacity;
  }

  get length(): number {
    return this.#messages.length;
  }

  get fill(): number {
    return this.length / this.#capacity;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get inFlight(): number {
    return this.#messages.filter((message) => message.packetId !== 0).length;
  }

  /** Queues a message; returns how many (0 or 1) of the oldest had to be dropped to make room. */
  push(topic: string, payload: ArrayBuffer): number {
    let dropped = 0;
    if (this.#messages.length >= this.#capacity) {
      this.#messages.shift();
      this.#dropped++;
      dropped = 1;
    }
    this.#messages.push({ topic, payload, packetId: 0, sentAt: 0, attempts: 0 });
    return dropped;
  }

  /** The oldest message not yet in flight. */
  nextUnsent(): OutboundMessage | undefined {
    return this.#messages.find((message) => message.packetId === 0);
  }

  oldestInFlight(): OutboundMessage | undefined {
    return this.#messages.find((message) => message.packetId !== 0);
  }

  acknowledge(packetId: number): boolean {
    const before = this.#messages.length;
    for (let i = this.#messages.length - 1; i >= 0; i--) if (this.#messages[i]!.packetId === packetId) this.#messages.splice(i, 1);
    return this.#messages.length < before;
  }

  /** After a connection ends, nothing is in flight any more: everything unacknowledged goes again. */
  requeueInFlight(): void {
    for (const message of this.#messages) message.packetId = 0;
  }

  payloadAt(index: number): ArrayBuffer | undefined {
    return this.#messages[index]?.payload;
  }

  restamp(rewrite: (payload: ArrayBuffer) => ArrayBuffer | undefined): number {
    let replaced = 0;
    this.#messages.forEach((message, index) => {
      const payload = message.packetId === 0 ? rewrite(message.payload) : undefined;
      if (payload === undefined) return;
      this.#messages[index] = { ...message, payload };
      replaced++;
    });
    return replaced;
  }

  clear(): number {
    return this.#messages.splice(0).length;
  }
}
