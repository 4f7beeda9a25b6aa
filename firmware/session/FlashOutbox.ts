import type { Outbox, OutboundMessage } from "./Outbox";
import type { StoreAndForward } from "./StoreAndForward";

interface WindowMessage extends OutboundMessage {
  readonly recordId: number;
}

/**
 * The outbox for one topic, kept in flash through StoreAndForward so readings survive reboots and
 * power cuts. Only the messages being sent are held in RAM (a window as long as the session's
 * in-flight limit); the rest stay in flash until their turn.
 */
export class FlashOutbox implements Outbox {
  readonly #store: StoreAndForward;
  readonly #topic: string;
  #window: WindowMessage[] = [];

  constructor(options: { store: StoreAndForward; topic: string }) {
    this.#store = options.store;
    this.#topic = options.topic;
  }

  get length(): number {
    return this.#store.pending;
  }

  get inFlight(): number {
    return this.#window.filter((message) => message.packetId !== 0).length;
  }

  get fill(): number {
    return this.#store.fill;
  }

  get dropped(): number {
    return this.#store.dropped;
  }

  push(topic: string, payload: ArrayBuffer): number {
    if (topic !== this.#topic) throw new RangeError(`this outbox holds "${this.#topic}" messages, not "${topic}"`);
    const droppedBefore = this.#store.dropped;
    this.#store.append(new Uint8Array(payload));
    // Moving on to a new sector drops every waiting record in the one it erases, so this may be several.
    return this.#store.dropped - droppedBefore;
  }

  nextUnsent(): OutboundMessage | undefined {
    this.#forgetDropped();
    const waiting = this.#window.find((message) => message.packetId === 0);
    if (waiting) return waiting;
    const inWindow = new Set(this.#window.map((message) => message.recordId));
    const record = this.#store.oldestExcept(inWindow);
    if (!record) return undefined;
    const message: WindowMessage = {
      recordId: record.id,
      topic: this.#topic,
      payload: record.payload.slice().buffer as ArrayBuffer,
      packetId: 0,
      sentAt: 0,
      attempts: 0,
    };
    this.#window.push(message);
    return message;
  }

  oldestInFlight(): OutboundMessage | undefined {
    return this.#window.find((message) => message.packetId !== 0);
  }

  acknowledge(packetId: number): boolean {
    const sent = this.#window.filter((message) => message.packetId === packetId);
    if (sent.length === 0) return false;
    this.#window = this.#window.filter((message) => message.packetId !== packetId);
    let acknowledged = false;
    for (const message of sent) acknowledged = this.#store.acknowledge(message.recordId) || acknowledged;
    return acknowledged;
  }

  requeueInFlight(): void {
    for (const message of this.#window) message.packetId = 0;
  }

  payloadAt(index: number): ArrayBuffer | undefined {
    return this.#store.payloadAt(index)?.slice().buffer as ArrayBuffer | undefined;
  }

  /**
   * Flash records cannot change: each one rewritten is stored anew, then the old one is marked
   * done. A power cut between the two leaves both, which the lake's (boot, seq) deduplication
   * folds into one.
   */
  restamp(rewrite: (payload: ArrayBuffer) => ArrayBuffer | undefined): number {
    const inFlight = new Set(this.#window.filter((message) => message.packetId !== 0).map((message) => message.recordId));
    let replaced = 0;
    for (const record of this.#store.oldest(this.#store.pending)) {
      if (inFlight.has(record.id)) continue;
      const payload = rewrite(record.payload.slice().buffer as ArrayBuffer);
      if (payload === undefined) continue;
      this.#store.append(new Uint8Array(payload));
      this.#store.acknowledge(record.id);
      replaced++;
    }
    this.#forgetDropped();
    return replaced;
  }

  /** A PUBACK that arrives later for a cleared message finds nothing to acknowledge, which is harmless. */
  clear(): number {
    this.#window = [];
    return this.#store.discardAll();
  }

  /** A message whose record the store dropped to make room cannot be acknowledged any more. */
  #forgetDropped(): void {
    this.#window = this.#window.filter((message) => this.#store.isPending(message.recordId));
  }
}
