import { toArrayBuffer, toBytes } from "./Bytes.ts";
import { listen, unlisten } from "./EventDispatch.ts";
import { expectOk, type MqttOpenOptions, type PortEvent } from "./HostPort.ts";
import { hostPort } from "./port.ts";

type BufferLike = ArrayBufferLike | ArrayBufferView;

interface ClientOptions {
  host: string;
  port?: number;
  id?: string;
  user?: string;
  clean?: boolean;
  keepAlive?: number;
  socket?: { secure?: { certificate?: BufferLike; clientCertificates?: BufferLike[]; clientKey?: BufferLike; protocolVersion?: number } };
  onReadable?: (count: number, options: { more: boolean; topic?: string; QoS?: number; byteLength?: number }) => void;
  onWritable?: (count: number) => void;
  onControl?: (operation: number, message: { operation: number; id: number; payload?: ArrayBuffer }) => void;
  onClose?: () => void;
  onError?: (error: Error & { code?: string }) => void;
}

interface WriteOptions {
  operation?: number;
  topic?: string;
  QoS?: number;
  retain?: boolean;
  id?: number;
  duplicate?: boolean;
  items?: { topic: string; QoS?: number }[];
}

let nextHandle = 1;

/**
 * ECMA-419 `embedded:network/mqtt/client` for a simulated board. The MQTT session itself (TLS,
 * codec, keep-alive) runs on the host; this class keeps the device API and delivers the host's
 * packets through the same callbacks in board time.
 */
export default class MQTTClient {
  static readonly CONNECT = 1;
  static readonly CONNACK = 2;
  static readonly PUBLISH = 3;
  static readonly PUBACK = 4;
  static readonly PUBREC = 5;
  static readonly PUBREL = 6;
  static readonly PUBCOMP = 7;
  static readonly SUBSCRIBE = 8;
  static readonly SUBACK = 9;
  static readonly UNSUBSCRIBE = 10;
  static readonly UNSUBACK = 11;
  static readonly PINGREQ = 12;
  static readonly PINGRESP = 13;
  static readonly DISCONNECT = 14;

  readonly #handle = nextHandle++;
  readonly #options: ClientOptions;
  #incoming: Uint8Array | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: ClientOptions) {
    this.#options = options;
    const secure = options.socket?.secure;
    const open: MqttOpenOptions = {
      host: options.host,
      port: options.port ?? (secure ? 8883 : 1883),
      id: options.id ?? "",
      clean: options.clean ?? true,
      keepAlive: options.keepAlive ?? 60_000,
    };
    if (options.user !== undefined) open.user = options.user;
    if (secure?.certificate) open.ca = toBytes(secure.certificate);
    const clientCertificate = secure?.clientCertificates?.[0];
    if (clientCertificate) open.certificate = toBytes(clientCertificate);
    if (secure?.clientKey) open.key = toBytes(secure.clientKey);
    if (secure?.protocolVersion !== undefined) open.protocolVersion = secure.protocolVersion;
    listen(`mqtt:${this.#handle}`, (event) => this.#deliver(event));
    expectOk(hostPort().request({ op: "mqtt.open", handle: this.#handle, options: open }), `MQTT connect to ${options.host}`);
  }

  read(count: number): ArrayBuffer {
    const incoming = this.#incoming ?? new Uint8Array(0);
    const taken = incoming.subarray(0, count);
    this.#incoming = incoming.subarray(taken.length);
    return toArrayBuffer(taken);
  }

  write(data: BufferLike | undefined, options: WriteOptions): number {
    if (this.#closed) throw new Error("MQTT client is closed");
    const operation = options.operation ?? MQTTClient.PUBLISH;
    const QoS = options.QoS ?? 0;
    const id = options.id ?? (QoS > 0 || operation === MQTTClient.SUBSCRIBE ? this.#allocateId() : 0);
    const items = options.items?.map((item) => ({ topic: item.topic, QoS: item.QoS ?? 0 }));
    const wire = {
      operation,
      QoS,
      id,
      retain: options.retain ?? false,
      duplicate: options.duplicate ?? false,
      ...(options.topic === undefined ? {} : { topic: options.topic }),
      ...(items ? { items } : {}),
    };
    expectOk(
      hostPort().request({ op: "mqtt.write", handle: this.#handle, data: data ? toBytes(data) : new Uint8Array(0), options: wire }),
      `MQTT write (operation ${operation})`,
    );
    return id;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    unlisten(`mqtt:${this.#handle}`);
    hostPort().request({ op: "mqtt.close", handle: this.#handle });
  }

  #allocateId(): number {
    const id = this.#nextId;
    this.#nextId = (this.#nextId % 0xffff) + 1;
    return id;
  }

  #deliver(event: PortEvent): void {
    if (this.#closed) return;
    switch (event.kind) {
      case "mqtt.control": {
        const message: { operation: number; id: number; payload?: ArrayBuffer } = { operation: event.operation, id: event.id };
        if (event.payload) message.payload = toArrayBuffer(event.payload);
        this.#options.onControl?.(event.operation, message);
        break;
      }
      case "mqtt.message":
        this.#incoming = event.payload;
        this.#options.onReadable?.(event.payload.length, { more: false, topic: event.topic, QoS: event.QoS, byteLength: event.payload.length });
        this.#incoming = undefined;
        break;
      case "mqtt.error": {
        const error = new Error(event.message) as Error & { code?: string };
        error.code = event.code;
        this.#options.onError?.(error);
        break;
      }
      case "mqtt.close":
        this.#closed = true;
        unlisten(`mqtt:${this.#handle}`);
        this.#options.onClose?.();
        break;
      default:
        break;
    }
  }
}
