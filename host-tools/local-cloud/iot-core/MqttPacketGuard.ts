import { MAX_FILTERS_PER_SUBSCRIBE, MAX_MESSAGE_BYTES, MAX_PUBLISHES_PER_SECOND, MAX_TOPIC_BYTES, topicRefusal } from "./IotCoreLimits.ts";
import { PerSecondQuota } from "../../../firmware/session/PerSecondQuota.ts";

/** Why the guard stopped a connection: the packet's type and what about it AWS IoT Core refuses. */
export interface PacketRefusal {
  readonly reason: "too-large" | "qos-2" | "malformed" | "too-many-filters";
  readonly detail: string;
}

/** What the guard made of a chunk of the client's bytes. */
export interface GuardVerdict {
  /** The bytes to hand the broker, in order: the chunk less every PUBLISH the publish quota discarded; none once refused. */
  readonly forward: readonly Uint8Array[];
  /** Why each PUBLISH that began in this chunk was discarded. */
  readonly discarded: readonly string[];
  /** The first refusal, which every later call returns too. */
  readonly refusal?: PacketRefusal;
}

/** The guard's steps through one MQTT control packet (MQTT 3.1.1 §2, §3.3 PUBLISH, §3.8 SUBSCRIBE). */
type Step = "fixed-header" | "remaining-length" | "topic-length" | "topic" | "packet-id" | "filter-length" | "filter" | "requested-qos" | "body";

const PUBLISH = 3;
const SUBSCRIBE = 8;
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
 * than 128 KB, a PUBLISH at QoS 2, a PUBLISH topic that is too long, too deep, not UTF-8 or holds
 * NUL (the last two are malformed MQTT), and a SUBSCRIBE of more than 8 filters. A PUBLISH beyond
 * the connection's 100 per second is cut out of the stream whole, so the broker never sees it and
 * sends no PUBACK. Resumable: bytes may arrive split anywhere.
 */
export class MqttPacketGuard {
  readonly #now: () => number;
  readonly #publishes = new PerSecondQuota(MAX_PUBLISHES_PER_SECOND);
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
  /** A SUBSCRIBE's packet identifier, filter lengths and filters: bytes of the current field still to come. */
  #fieldLeft = 0;
  #filterLength = 0;
  #filters = 0;
  /** The current packet is a PUBLISH over the quota: its bytes are not forwarded. */
  #discarding = false;
  #refusal: PacketRefusal | undefined;

  /** `now`, in milliseconds, is the clock the publish quota counts by. */
  constructor(options: { readonly now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Checks the next bytes from the client. */
  check(chunk: Uint8Array): GuardVerdict {
    const forward: Uint8Array[] = [];
    const discarded: string[] = [];
    /** Where the run of bytes to forward began, or -1 inside a discarded PUBLISH. */
    let keepFrom = this.#discarding ? -1 : 0;
    let at = 0;
    while (at < chunk.length && !this.#refusal) {
      const from = at;
      const between = this.#step === "fixed-header";
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
        case "packet-id":
        case "filter-length":
          this.#subscribeField(chunk[at++]!);
          break;
        case "filter": {
          const take = Math.min(this.#fieldLeft, chunk.length - at);
          this.#fieldLeft -= take;
          this.#left -= take;
          at += take;
          if (this.#fieldLeft === 0) this.#step = "requested-qos";
          break;
        }
        case "requested-qos":
          at++;
          this.#filterDone();
          break;
        case "body": {
          const take = Math.min(this.#left, chunk.length - at);
          this.#left -= take;
          at += take;
          if (this.#left === 0) this.#step = "fixed-header";
          break;
        }
      }
      if (between && this.#discarding) {
        if (keepFrom >= 0 && from > keepFrom) forward.push(chunk.subarray(keepFrom, from));
        keepFrom = -1;
        discarded.push(`PUBLISH over AWS IoT Core's ${MAX_PUBLISHES_PER_SECOND} publishes per second on one connection: discarded, no PUBACK`);
      }
      if (!between && this.#discarding && this.#step === "fixed-header") {
        this.#discarding = false;
        keepFrom = at;
      }
    }
    if (this.#refusal) return { forward: [], discarded, refusal: this.#refusal };
    if (keepFrom >= 0 && keepFrom < chunk.length) forward.push(keepFrom === 0 ? chunk : chunk.subarray(keepFrom));
    return { forward, discarded };
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
    if (this.#type === PUBLISH) this.#discarding = !this.#publishes.admit(this.#now());
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
    } else if (this.#type === SUBSCRIBE) {
      this.#filters = 0;
      this.#fieldLeft = 2;
      this.#step = "packet-id";
    } else this.#step = "body";
  }

  /** A byte of a SUBSCRIBE's packet identifier or of a filter's length prefix. */
  #subscribeField(byte: number): void {
    this.#left--;
    if (this.#step === "filter-length") this.#filterLength = (this.#filterLength << 8) | byte;
    if (--this.#fieldLeft > 0) {
      if (this.#left === 0)
        this.#refusal = { reason: "malformed", detail: `SUBSCRIBE ends inside its ${this.#step === "packet-id" ? "packet identifier" : "filter's length"}` };
      return;
    }
    if (this.#step === "packet-id") return this.#nextFilter();
    if (this.#filterLength + 1 > this.#left) {
      this.#refusal = {
        reason: "malformed",
        detail: `SUBSCRIBE filter of ${this.#filterLength} bytes and its QoS run past the packet's ${this.#left} remaining bytes`,
      };
      return;
    }
    this.#fieldLeft = this.#filterLength;
    this.#step = this.#filterLength === 0 ? "requested-qos" : "filter";
  }

  #filterDone(): void {
    this.#left--;
    this.#filters++;
    this.#nextFilter();
  }

  /** After the packet identifier or a filter's QoS: the next filter, or the end of the SUBSCRIBE. */
  #nextFilter(): void {
    if (this.#left === 0) {
      this.#step = "fixed-header";
      return;
    }
    if (this.#filters === MAX_FILTERS_PER_SUBSCRIBE) {
      this.#refusal = {
        reason: "too-many-filters",
        detail: `SUBSCRIBE with more than ${MAX_FILTERS_PER_SUBSCRIBE} topic filters: AWS IoT Core takes at most ${MAX_FILTERS_PER_SUBSCRIBE} in one request`,
      };
      return;
    }
    this.#filterLength = 0;
    this.#fieldLeft = 2;
    this.#step = "filter-length";
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
