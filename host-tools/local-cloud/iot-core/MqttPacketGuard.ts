import { MAX_MESSAGE_BYTES, MAX_TOPIC_BYTES, topicRefusal } from "./IotCoreLimits.ts";

/** Why the guard stopped a connection: the packet's type and what about it AWS IoT Core refuses. */
export interface PacketRefusal {
  readonly reason: "too-large" | "qos-2" | "malformed";
  readonly detail: string;
}

/** The guard's steps through one MQTT control packet (MQTT 3.1.1 §2). */
type Step = "fixed-header" | "remaining-length" | "topic-length" | "topic" | "body";

const PUBLISH = 3;
const PACKET_NAMES = [
  "reserved",
  "CONNECT",
  "CONNACK",
  "PUBLISH",
  "PUBACK",
  "PUBREC",
  "PUBREL",
  "PUBCOMP",
  "SUBSCRIBE",
  "SUBACK",
  "UNSUBSCRIBE",
  "UNSUBACK",
  "PINGREQ",
  "PINGRESP",
  "DISCONNECT",
  "AUTH",
];
/** A PUBLISH may be as large as the largest payload plus its topic (length-prefixed) and packet identifier. */
const MAX_PUBLISH_REMAINING = MAX_MESSAGE_BYTES + 2 + MAX_TOPIC_BYTES + 2;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads the bytes a client sends, ahead of the broker's own parser, and stops the connection at
 * the first packet AWS IoT Core would refuse, before its body is buffered: a packet announcing more
 * than 128 KB, a PUBLISH at QoS 2, and a PUBLISH topic that is too long, too deep, not UTF-8 or
 * holds NUL (the last two are malformed MQTT). Resumable: bytes may arrive split anywhere.
 */
export class MqttPacketGuard {
  #step: Step = "fixed-header";
  #type = 0;
  #qos = 0;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  /** Bytes of the current packet still to come. */
  #left = 0;
  #topicLength = 0;
  #topicLengthBytes = 0;
  #topic = new Uint8Array(0);
  #topicFilled = 0;
  #refusal: PacketRefusal | undefined;

  /** Checks the next bytes from the client; the first refusal, which every later call returns too. */
  check(chunk: Uint8Array): PacketRefusal | undefined {
    let at = 0;
    while (at < chunk.length && !this.#refusal) {
      switch (this.#step) {
        case "fixed-header":
          this.#fixedHeader(chunk[at++]!);
          break;
        case "remaining-length":
          this.#remainingLength(chunk[at++]!);
          break;
        case "topic-length":
          this.#topicLengthByte(chunk[at++]!);
          break;
        case "topic": {
          const take = Math.min(this.#topicLength - this.#topicFilled, chunk.length - at);
          this.#topic.set(chunk.subarray(at, at + take), this.#topicFilled);
          this.#topicFilled += take;
          at += take;
          if (this.#topicFilled === this.#topicLength) this.#topicDone();
          break;
        }
        case "body": {
          const take = Math.min(this.#left, chunk.length - at);
          this.#left -= take;
          at += take;
          if (this.#left === 0) this.#step = "fixed-header";
          break;
        }
      }
    }
    return this.#refusal;
  }

  get #name(): string {
    return PACKET_NAMES[this.#type]!;
  }

  #fixedHeader(byte: number): void {
    this.#type = byte >> 4;
    this.#qos = (byte >> 1) & 3;
    if (this.#type === PUBLISH && this.#qos === 2) {
      this.#refusal = { reason: "qos-2", detail: "PUBLISH at QoS 2: AWS IoT Core supports QoS 0 and 1 only and sends no PUBACK for it" };
      return;
    }
    this.#length = 0;
    this.#multiplier = 1;
    this.#lengthBytes = 0;
    this.#step = "remaining-length";
  }

  #remainingLength(byte: number): void {
    this.#length += (byte & 0x7f) * this.#multiplier;
    this.#multiplier *= 128;
    this.#lengthBytes++;
    if (byte & 0x80) {
      if (this.#lengthBytes === 4) this.#refusal = { reason: "malformed", detail: `${this.#name}'s remaining length runs past 4 bytes (MQTT 3.1.1 §2.2.3)` };
      return;
    }
    const limit = this.#type === PUBLISH ? MAX_PUBLISH_REMAINING : MAX_MESSAGE_BYTES;
    if (this.#length > limit) {
      this.#refusal = {
        reason: "too-large",
        detail: `${this.#name} announcing ${this.#length} bytes is larger than AWS IoT Core's ${MAX_MESSAGE_BYTES / 1024} KB limit; refused before it was read`,
      };
      return;
    }
    this.#left = this.#length;
    if (this.#left === 0) this.#step = "fixed-header";
    else if (this.#type === PUBLISH) {
      this.#topicLength = 0;
      this.#topicLengthBytes = 0;
      this.#step = "topic-length";
    } else this.#step = "body";
  }

  #topicLengthByte(byte: number): void {
    this.#topicLength = (this.#topicLength << 8) | byte;
    this.#left--;
    if (++this.#topicLengthBytes < 2) return;
    if (this.#topicLength > MAX_TOPIC_BYTES || this.#topicLength > this.#left) {
      this.#refusal =
        this.#topicLength > this.#left
          ? { reason: "malformed", detail: `PUBLISH topic of ${this.#topicLength} bytes is longer than the packet's ${this.#left} remaining bytes` }
          : { reason: "malformed", detail: `PUBLISH topic of ${this.#topicLength} bytes is longer than AWS IoT Core's ${MAX_TOPIC_BYTES}-byte limit` };
      return;
    }
    this.#topic = new Uint8Array(this.#topicLength);
    this.#topicFilled = 0;
    if (this.#topicLength === 0) this.#topicDone();
    else this.#step = "topic";
  }

  #topicDone(): void {
    this.#left -= this.#topicLength;
    const problem = this.#topicProblem();
    if (problem) {
      this.#refusal = { reason: "malformed", detail: `PUBLISH ${problem}` };
      return;
    }
    const payload = this.#left - (this.#qos > 0 ? 2 : 0);
    if (payload > MAX_MESSAGE_BYTES) {
      this.#refusal = { reason: "too-large", detail: `PUBLISH payload of ${payload} bytes is larger than AWS IoT Core's ${MAX_MESSAGE_BYTES / 1024} KB limit` };
      return;
    }
    this.#step = this.#left === 0 ? "fixed-header" : "body";
  }

  #topicProblem(): string | undefined {
    if (this.#topic.includes(0)) return "topic holds a NUL character (MQTT 3.1.1 §1.5.3: malformed)";
    let topic: string;
    try {
      topic = utf8.decode(this.#topic);
    } catch {
      return "topic is not well-formed UTF-8 (MQTT 3.1.1 §1.5.3: malformed)";
    }
    return topicRefusal(topic, "topic");
  }
}
