import mqttPacket, { type IPacket, type Packet } from "mqtt-packet";
import tls from "node:tls";
import type { MqttConnection, MqttConnectionEvents } from "../MqttConnector.ts";
import type { MqttOpenOptions, MqttWriteOptions } from "../portable/HostPort.ts";

/** Why a connection failed; the firmware's MqttSession maps each to its own LED state and log code. */
export type MqttFailure = "network-down" | "broker-unreachable" | "tls-rejected" | "not-authorised" | "protocol" | "closed";

const CONNACK = 2;
const PUBACK = 4;
const SUBACK = 9;

const NETWORK_DOWN = new Set(["ENETUNREACH", "ENETDOWN", "EAI_AGAIN", "ENOTFOUND"]);

function derToPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${base64}${base64.endsWith("\n") ? "" : "\n"}-----END ${label}-----\n`;
}

/** How far the connection got when it failed. */
export type ConnectionStage = "tcp" | "tls" | "mqtt";

/**
 * Sorts a socket error into the failure a technician must act on. A broker that accepted the TCP
 * connection but ended it during the TLS handshake refused a certificate (Node's TLS server, like
 * some brokers, just drops the connection instead of sending an alert), so that counts as a TLS
 * rejection, not as an unreachable broker.
 */
export function classifyError(error: NodeJS.ErrnoException, stage: ConnectionStage): MqttFailure {
  const code = error.code ?? "";
  if (code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS") || /certificate|alert|self[- ]signed|unable to verify/i.test(error.message)) return "tls-rejected";
  if (stage === "mqtt") return "closed";
  if (stage === "tls") return "tls-rejected";
  if (NETWORK_DOWN.has(code)) return "network-down";
  return "broker-unreachable";
}

/**
 * The host side of the board's ECMA-419 MQTT client: MQTT 3.1.1 (mqtt-packet as the codec) over
 * TLS 1.2 with the board's client certificate, CA and SNI, as the board's mbedTLS session would
 * be. Exactly one failure path: the first failure calls `onError` once, then `onClose` once.
 */
export class TlsMqttConnection implements MqttConnection {
  readonly #events: MqttConnectionEvents;
  readonly #socket: tls.TLSSocket;
  readonly #parser = mqttPacket.parser({ protocolVersion: 4 });
  readonly #keepAliveMs: number;
  #stage: ConnectionStage = "tcp";
  #connacked = false;
  #ended = false;
  #pinger: NodeJS.Timeout | undefined;

  /** `address` connects somewhere other than `options.host` (which stays the SNI and the name checked), as DNS would. */
  constructor(options: MqttOpenOptions, events: MqttConnectionEvents, network: { address?: string } = {}) {
    this.#events = events;
    this.#keepAliveMs = options.keepAlive;
    // Moddable's protocolVersion 0x303 is TLS 1.2, what the board's mbedTLS and IoT Core on 8883 speak.
    const tls12Only = options.protocolVersion === undefined || options.protocolVersion === 0x303;
    this.#socket = tls.connect({
      host: network.address ?? options.host,
      port: options.port,
      servername: options.host,
      minVersion: "TLSv1.2",
      maxVersion: tls12Only ? "TLSv1.2" : "TLSv1.3",
      ...(options.ca ? { ca: derToPem(options.ca, "CERTIFICATE") } : {}),
      ...(options.certificate ? { cert: derToPem(options.certificate, "CERTIFICATE") } : {}),
      ...(options.key ? { key: derToPem(options.key, "PRIVATE KEY") } : {}),
    });
    this.#socket.on("connect", () => {
      this.#stage = "tls";
    });
    this.#socket.on("secureConnect", () => {
      this.#stage = "mqtt";
      this.#send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: options.id, clean: options.clean, keepalive: Math.round(options.keepAlive / 1000), ...(options.user ? { username: options.user } : {}) });
    });
    this.#socket.on("data", (chunk: Buffer) => this.#parser.parse(chunk));
    this.#socket.on("error", (error: NodeJS.ErrnoException) => {
      const failure = classifyError(error, this.#stage);
      const hint = failure === "tls-rejected" && this.#stage === "tls" ? " (the broker ended the TLS handshake: it refused this board's certificate)" : "";
      this.#fail(failure, `${error.message}${hint}`);
    });
    this.#socket.on("close", () => {
      if (this.#stage === "tls") this.#fail("tls-rejected", "the broker ended the TLS handshake: it refused this board's certificate");
      else this.#fail(this.#connacked ? "closed" : "broker-unreachable", this.#connacked ? "connection closed by the broker" : "connection closed before CONNACK");
    });
    this.#parser.on("packet", (packet: Packet) => this.#onPacket(packet));
    this.#parser.on("error", (error: Error) => this.#fail("protocol", `malformed packet from the broker: ${error.message}`));
  }

  write(data: Uint8Array, options: MqttWriteOptions): void {
    if (this.#ended) throw new Error("MQTT connection is closed");
    switch (options.operation) {
      case 3:
        this.#send({ cmd: "publish", topic: options.topic ?? "", payload: Buffer.from(data), qos: (options.QoS ?? 0) as 0 | 1, retain: options.retain ?? false, dup: options.duplicate ?? false, ...(options.QoS ? { messageId: options.id ?? 0 } : {}) });
        break;
      case 8:
        this.#send({ cmd: "subscribe", messageId: options.id ?? 1, subscriptions: (options.items ?? []).map((item) => ({ topic: item.topic, qos: Math.min(item.QoS, 1) as 0 | 1 })) });
        break;
      case 14:
        this.#send({ cmd: "disconnect" });
        break;
      default:
        throw new RangeError(`MQTT operation ${options.operation} is not sent by a client`);
    }
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
      case "connack":
        if (packet.returnCode !== 0) {
          this.#fail(packet.returnCode === 4 || packet.returnCode === 5 ? "not-authorised" : "broker-unreachable", `CONNACK return code ${packet.returnCode}`);
          return;
        }
        this.#connacked = true;
        if (this.#keepAliveMs > 0) this.#pinger = setInterval(() => this.#send({ cmd: "pingreq" }), this.#keepAliveMs);
        this.#events.onControl(CONNACK, 0);
        break;
      case "puback":
        this.#events.onControl(PUBACK, packet.messageId ?? 0);
        break;
      case "suback":
        this.#events.onControl(SUBACK, packet.messageId ?? 0, Uint8Array.from(packet.granted.map((g) => (typeof g === "number" ? g : (g as { qos: number }).qos))));
        break;
      case "publish": {
        const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
        if (packet.qos === 1 && packet.messageId !== undefined) this.#send({ cmd: "puback", messageId: packet.messageId });
        this.#events.onMessage(packet.topic, packet.qos, new Uint8Array(payload));
        break;
      }
      default:
        break;
    }
  }

  #send(packet: IPacket & Record<string, unknown>): void {
    if (this.#ended || this.#socket.destroyed) return;
    this.#socket.write(mqttPacket.generate(packet as Packet));
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
