import mqttPacket, { type Packet } from "mqtt-packet";
import tls from "node:tls";
import type { MqttConnection, MqttConnectionEvents } from "./MqttConnector.ts";
import type { MqttOpenOptions, MqttWriteOptions } from "./portable/HostPort.ts";
import { MqttOperation } from "./portable/HostPort.ts";

const { CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK, DISCONNECT } = MqttOperation;

/** Why a connection failed; the firmware's MqttSession maps each to its own LED state and log code. */
export type MqttFailure = "network-down" | "broker-unreachable" | "tls-rejected" | "not-authorised" | "protocol" | "closed";

/** What the connection reports to the board; `onError` always names one of the `MqttFailure`s. */
export interface TlsMqttConnectionEvents extends MqttConnectionEvents {
  onError(code: MqttFailure, message: string): void;
}

/** Moddable's `protocolVersion` encoding of the highest TLS version the board offers. */
const TLS_VERSIONS = new Map<number, tls.SecureVersion>([
  [0x303, "TLSv1.2"],
  [0x304, "TLSv1.3"],
]);

// A name that does not resolve looks the same to a board as a DNS server it cannot reach.
const NETWORK_DOWN = new Set(["ENETUNREACH", "ENETDOWN", "EAI_AGAIN", "ENOTFOUND"]);

const CONNACK_REFUSALS = new Map<number, { failure: MqttFailure; meaning: string }>([
  [1, { failure: "protocol", meaning: "unacceptable protocol version" }],
  [2, { failure: "protocol", meaning: "client identifier rejected" }],
  [3, { failure: "broker-unreachable", meaning: "server unavailable" }],
  [4, { failure: "not-authorised", meaning: "bad user name or password" }],
  [5, { failure: "not-authorised", meaning: "not authorized" }],
]);

/** How far the connection got: decides what a lost connection means. */
type Stage = "tcp" | "tls" | "mqtt" | "online";

/**
 * OpenSSL's reason ("sslv3 alert certificate expired") and the alert number, if any. Node puts the
 * reason on the error when it was reading, but only inside the message (code EPROTO) when a write
 * was waiting, as CONNECT is during the handshake.
 */
function opensslReason(error: Error): { reason: string; alert: string | undefined } | undefined {
  const reason = "reason" in error && typeof error.reason === "string" ? error.reason : /:SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1];
  return reason === undefined ? undefined : { reason, alert: /SSL alert number (\d+)/.exec(error.message)?.[1] };
}

function derToPem(der: Uint8Array, label: string): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function packetId(options: MqttWriteOptions, what: string): number {
  const id = options.id;
  if (id === undefined || !Number.isInteger(id) || id < 1 || id > 0xffff) throw new RangeError(`${what} needs a packet id from 1 to 65535, not ${String(id)}`);
  return id;
}

/** AWS IoT Core accepts QoS 0 and 1 only; QoS 2 would be refused there, so it is refused here first. */
function qos(value: number | undefined, what: string): 0 | 1 {
  const level = value ?? 0;
  if (level !== 0 && level !== 1) throw new RangeError(`${what}: QoS ${level} is not supported (AWS IoT Core takes QoS 0 or 1)`);
  return level;
}

/** The MQTT 3.1.1 packet for one ECMA-419 `write`, with its arguments checked as the device API would. */
function packetFor(data: Uint8Array, options: MqttWriteOptions): Packet {
  switch (options.operation) {
    case PUBLISH: {
      const topic = options.topic;
      if (!topic) throw new TypeError("PUBLISH needs a topic");
      const level = qos(options.QoS, `PUBLISH to ${topic}`);
      const packet = {
        cmd: "publish",
        topic,
        payload: Buffer.from(data),
        qos: level,
        retain: options.retain ?? false,
        dup: options.duplicate ?? false,
      } as const;
      return level === 0 ? packet : { ...packet, messageId: packetId(options, `PUBLISH to ${topic} at QoS 1`) };
    }
    case SUBSCRIBE: {
      const items = options.items ?? [];
      if (items.length === 0) throw new TypeError("SUBSCRIBE needs at least one topic filter in items");
      return {
        cmd: "subscribe",
        messageId: packetId(options, "SUBSCRIBE"),
        subscriptions: items.map((item) => ({ topic: item.topic, qos: qos(item.QoS, `SUBSCRIBE to ${item.topic}`) })),
      };
    }
    case DISCONNECT:
      return { cmd: "disconnect" };
    default:
      throw new RangeError(`MQTT operation ${options.operation} is not one a client writes (PUBLISH 3, SUBSCRIBE 8, DISCONNECT 14)`);
  }
}

/**
 * The host side of the board's ECMA-419 MQTT client: MQTT 3.1.1 (mqtt-packet as the codec) over
 * TLS 1.2 with the board's client certificate, CA and SNI, as the board's mbedTLS session would
 * be. Exactly one failure path: the first failure calls `onError` once, then `onClose` once; a
 * `close()` by the board itself reports nothing, as on the device.
 */
export class TlsMqttConnection implements MqttConnection {
  readonly #events: TlsMqttConnectionEvents;
  readonly #socket: tls.TLSSocket;
  readonly #parser = mqttPacket.parser({ protocolVersion: 4 });
  readonly #keepAliveMs: number;
  readonly #broker: string;
  #stage: Stage = "tcp";
  #ended = false;
  #pinger: NodeJS.Timeout | undefined;
  /** When the last PINGREQ went and the last PINGRESP came (or CONNACK, at first), in ms. */
  #pingedAt = 0;
  #pongAt = 0;

  /** `address` connects somewhere other than `options.host` (which stays the SNI and the name checked), as DNS would. */
  constructor(options: MqttOpenOptions, events: TlsMqttConnectionEvents, network: { address?: string } = {}) {
    const maxVersion = TLS_VERSIONS.get(options.protocolVersion ?? 0x303);
    if (!maxVersion) throw new RangeError(`TLS protocolVersion 0x${options.protocolVersion?.toString(16)} is not supported (0x303 = TLS 1.2, 0x304 = TLS 1.3)`);
    this.#events = events;
    this.#keepAliveMs = options.keepAlive;
    this.#broker = `${options.host}:${options.port}`;
    this.#socket = tls.connect({
      host: network.address ?? options.host,
      port: options.port,
      servername: options.host,
      minVersion: "TLSv1.2",
      maxVersion,
      ...(options.ca ? { ca: derToPem(options.ca, "CERTIFICATE") } : {}),
      ...(options.certificate ? { cert: derToPem(options.certificate, "CERTIFICATE") } : {}),
      ...(options.key ? { key: derToPem(options.key, "PRIVATE KEY") } : {}),
    });
    this.#socket.on("connect", () => {
      this.#stage = "tls";
    });
    this.#socket.on("secureConnect", () => {
      this.#stage = "mqtt";
    });
    this.#socket.on("data", (chunk: Buffer) => this.#parser.parse(chunk));
    this.#socket.on("error", (error: NodeJS.ErrnoException) => this.#onSocketError(error));
    this.#socket.on("close", () => this.#onSocketClosed());
    this.#parser.on("packet", (packet: Packet) => this.#onPacket(packet));
    this.#parser.on("error", (error: Error) => this.#fail("protocol", `malformed packet from the broker at ${this.#broker}: ${error.message}`));
    // Written now, the TLS socket holds CONNECT until the handshake is done, so it always goes
    // before anything the board writes while the connection is still opening.
    this.#send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clientId: options.id,
      clean: options.clean,
      keepalive: Math.ceil(options.keepAlive / 1000),
      ...(options.user === undefined ? {} : { username: options.user }),
    });
  }

  write(data: Uint8Array, options: MqttWriteOptions): void {
    if (this.#ended) throw new Error(`MQTT connection to ${this.#broker} is closed`);
    this.#send(packetFor(data, options));
  }

  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#pinger);
    this.#socket.end();
    this.#socket.destroy();
  }

  #onPacket(packet: Packet): void {
    switch (packet.cmd) {
      case "connack": {
        const refusal = CONNACK_REFUSALS.get(packet.returnCode ?? 0);
        if (refusal) {
          this.#fail(refusal.failure, `the broker at ${this.#broker} refused the connection: CONNACK return code ${packet.returnCode} (${refusal.meaning})`);
          return;
        }
        if (packet.returnCode !== 0) {
          this.#fail("protocol", `the broker at ${this.#broker} sent CONNACK with the unknown return code ${packet.returnCode}`);
          return;
        }
        this.#stage = "online";
        if (this.#keepAliveMs > 0) {
          this.#pingedAt = this.#pongAt = performance.now();
          this.#pinger = setInterval(() => this.#keepAlive(), this.#keepAliveMs / 4);
        }
        this.#events.onControl(CONNACK, 0);
        break;
      }
      case "pingresp":
        this.#pongAt = performance.now();
        break;
      case "puback":
        this.#events.onControl(PUBACK, packet.messageId ?? 0);
        break;
      case "suback":
        // The 3.1.1 parser gives one return code per filter: the QoS granted, or 0x80 for a refusal.
        this.#events.onControl(SUBACK, packet.messageId ?? 0, Uint8Array.from(packet.granted as number[]));
        break;
      case "publish": {
        const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
        // The device API has no way to acknowledge, so the client does it, as Moddable's does.
        if (packet.qos === 1 && packet.messageId !== undefined) this.#send({ cmd: "puback", messageId: packet.messageId });
        this.#events.onMessage(packet.topic, packet.qos, new Uint8Array(payload));
        break;
      }
      default:
        break;
    }
  }

  /**
   * The SDK client's keep-alive (examples/io/tcp/mqttclient/mqttclient.js): checked every quarter
   * interval, a PINGREQ once 3/4 of the interval less 500 ms has passed since the last one, whatever
   * else was sent, and "time out" when no PINGRESP came for 1.5 intervals, so a broker gone silent
   * (a half-open connection) ends the session instead of holding it.
   */
  #keepAlive(): void {
    const now = performance.now();
    const interval = this.#keepAliveMs;
    if (now - this.#pongAt >= interval * 1.5) {
      this.#fail("closed", `no PINGRESP from the broker at ${this.#broker} for 1.5 keep-alive intervals (${interval * 1.5} ms): time out`);
      return;
    }
    if (now - this.#pingedAt < interval * 0.75 - 500) return;
    this.#pingedAt = now;
    this.#send({ cmd: "pingreq" });
  }

  /** Sorts a socket error into the failure a technician must act on, naming OpenSSL's reason. */
  #onSocketError(error: NodeJS.ErrnoException): void {
    const code = error.code ?? "";
    // Set by Node when this board refused the broker's certificate (untrusted, expired, wrong name).
    const distrust: unknown = this.#socket.authorizationError;
    const openssl = opensslReason(error);
    if (distrust) {
      this.#fail("tls-rejected", `this board does not trust the certificate of the broker at ${this.#broker}: ${error.message} (${String(distrust)})`);
    } else if (openssl) {
      const who = openssl.alert === undefined ? "the TLS handshake failed" : "the broker refused the TLS handshake";
      this.#fail(
        "tls-rejected",
        `${who} with ${this.#broker}: ${openssl.reason} (${openssl.alert === undefined ? "" : `SSL alert number ${openssl.alert}; `}${code})`,
      );
    } else if (this.#stage === "tls") {
      this.#fail("broker-unreachable", this.#handshakeCut(`${code}: ${error.message}`));
    } else if (this.#stage === "online") {
      this.#fail("closed", `the connection to the broker at ${this.#broker} was lost: ${error.message}`);
    } else if (this.#stage === "mqtt") {
      this.#fail("broker-unreachable", `the broker at ${this.#broker} dropped the connection before CONNACK: ${error.message}`);
    } else {
      this.#fail(NETWORK_DOWN.has(code) ? "network-down" : "broker-unreachable", `cannot reach the broker at ${this.#broker}: ${error.message}`);
    }
  }

  #onSocketClosed(): void {
    if (this.#stage === "tls") this.#fail("broker-unreachable", this.#handshakeCut("the connection was closed"));
    else if (this.#stage === "online") this.#fail("closed", `the broker at ${this.#broker} closed the connection`);
    else this.#fail("broker-unreachable", `the broker at ${this.#broker} closed the connection before CONNACK`);
  }

  /**
   * A handshake cut with no TLS alert is the network's doing as far as the board can tell (a
   * broker's full listen queue resets connections exactly so), and the board's TLS, the SDK's,
   * reports it as any lost connection: only an alert or a certificate check says "rejected".
   */
  #handshakeCut(how: string): string {
    return `the connection to the broker at ${this.#broker} was cut during the TLS handshake with no TLS alert (${how})`;
  }

  #send(packet: Packet): void {
    if (this.#ended || this.#socket.destroyed) return;
    this.#socket.write(mqttPacket.generate(packet));
  }

  #fail(failure: MqttFailure, message: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#pinger);
    this.#socket.destroy();
    this.#events.onError(failure, message);
    this.#events.onClose();
  }
}
