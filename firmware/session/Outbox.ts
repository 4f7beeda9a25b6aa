/** A message waiting for the broker's PUBACK. */
export interface OutboundMessage {
  readonly topic: string;
  readonly payload: ArrayBuffer;
  /** Packet id while in flight on the current connection (shared by a batch), 0 while waiting to be sent. */
  packetId: number;
  sentAt: number;
  attempts: number;
}

/**
 * Where the MQTT session keeps what it must deliver: oldest first, each message leaving only on
 * its PUBACK, losses only by a counted drop of the oldest.
 */
export interface Outbox {
  readonly length: number;
  readonly inFlight: number;
  readonly dropped: number;
  /** Share of the room in use, 0 … 1; at 1 the next message drops the oldest. */
  readonly fill: number;
  /** Queues a message; returns how many older messages had to be dropped to make room. */
  push(topic: string, payload: ArrayBuffer): number;
  nextUnsent(): OutboundMessage | undefined;
  oldestInFlight(): OutboundMessage | undefined;
  /** The broker has the packet: every message sent in it (one, or a batch) leaves. */
  acknowledge(packetId: number): boolean;
  /** After a connection ends nothing is in flight: everything unacknowledged goes again. */
  requeueInFlight(): void;
  /** The payload of the `index`-th oldest waiting message (0 = oldest), for the serial console. */
  payloadAt(index: number): ArrayBuffer | undefined;
  /**
   * Replaces the payload of each waiting message (none in flight) that `rewrite` returns a new one
   * for, keeping it waiting; returns how many were replaced.
   */
  restamp(rewrite: (payload: ArrayBuffer) => ArrayBuffer | undefined): number;
  /** Discards every waiting message, as a technician asked on the console; returns how many there were. */
  clear(): number;
}
