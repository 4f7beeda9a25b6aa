import { toArrayBuffer, toBytes } from "./Bytes.ts";
import { listen, unlisten } from "./EventDispatch.ts";
import { expectOk, type MqttOpenOptions, type PortEvent } from "./HostPort.ts";
import { HOST_TRANSPORT, HostTransport } from "./HostTransport.ts";
import { hostPort } from "./port.ts";
import { boardClock, type ClockTimer } from "./VirtualClock.ts";

type BufferLike = ArrayBufferLike | ArrayBufferView;
type SocketClass = new (options: Readonly<Record<string, unknown>>) => { close(): void };
type ResolverClass = new (options: Readonly<Record<string, unknown>>) => {
  resolve(request: { host: string; onResolved: (host: string, address: string) => void; onError: () => void }): void;
};

/** The control packet `onControl` gets, as the SDK's `#parsed` leaves it: SUBACK's return codes as an array. */
interface ControlMessage {
  operation: number;
  id?: number;
  returnCode?: number;
  payload?: number[];
}

interface ClientOptions {
  host: string;
  port?: number;
  id?: string;
  user?: string;
  clean?: boolean;
  keepAlive?: number;
  keepalive?: number;
  format?: string;
  dns: { io: ResolverClass } & Record<string, unknown>;
  socket: { io: SocketClass; secure?: { certificate?: BufferLike; clientCertificates?: BufferLike[]; clientKey?: BufferLike } } & Record<string, unknown>;
  onReadable?: (this: MQTTClient, count: number, options: { more: boolean; topic?: string; QoS?: number; byteLength?: number }) => void;
  onWritable?: (this: MQTTClient, count: number) => void;
  onControl?: (this: MQTTClient, message: ControlMessage) => void;
  onError?: (this: MQTTClient) => void;
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

/** The SDK's client gives the socket this long to connect and finish its TLS handshake. */
const CONNECT_TIMEOUT_MS = 30_000;
/** CONNACK return codes the host's connection reports as these failures: the broker refused CONNECT. */
const CONNECT_REFUSED = new Set(["not-authorised", "protocol"]);

let nextHandle = 1;

/**
 * `embedded:network/mqtt/client` for a simulated board, behaving as the Moddable SDK's
 * (examples/io/tcp/mqttclient/mqttclient.js), which is what runs on the board whatever the typings
 * say: it resolves the host with `new options.dns.io(options.dns)`, opens its socket with
 * `new options.socket.io({...options.socket, address, host, port, …})`, calls `onControl(message)`
 * with one argument, calls `onError()` with none and then closes itself, and never calls `onClose`.
 * A CONNACK with a non-zero return code is an error, not a control message. Writing before CONNACK
 * or after closing throws. The MQTT session itself (TLS, codec, keep-alive) runs on the host.
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
  #options: ClientOptions | undefined;
  #state: "resolving" | "connecting" | "login" | "connected" | "closed" = "resolving";
  readonly #transport = new HostTransport();
  #socket: { close(): void } | undefined;
  #connecting: ClockTimer | undefined;
  #incoming: Uint8Array | undefined;
  #id = 1;

  constructor(options: ClientOptions) {
    if (options.format !== undefined && options.format !== "buffer") throw new RangeError();
    if (!options.host) throw new Error("host required");
    this.#options = options;
    const dns = new options.dns.io(options.dns);
    dns.resolve({
      host: options.host,
      onResolved: (host, address) => {
        try {
          this.#open(host, address);
        } catch {
          this.#onError();
        }
      },
      onError: () => this.#onError(),
    });
  }

  get format(): "buffer" {
    return "buffer";
  }

  set format(value: string) {
    if (value !== "buffer") throw new RangeError();
  }

  read(count?: number): ArrayBuffer | undefined {
    const incoming = this.#incoming;
    if (!incoming || incoming.length === 0) return undefined;
    const taken = incoming.subarray(0, count ?? incoming.length);
    this.#incoming = incoming.subarray(taken.length);
    return toArrayBuffer(taken);
  }

  write(data: BufferLike | null | undefined, options: WriteOptions): number {
    if (this.#state === "closed") throw new TypeError("MQTT client is closed");
    if (this.#state !== "connected") throw new Error();
    const operation = options.operation ?? MQTTClient.PUBLISH;
    // The SDK's client numbers every write it is not given an id for.
    const id = options.id ?? ++this.#id;
    const items = options.items?.map((item) => ({ topic: item.topic, QoS: item.QoS ?? 0 }));
    const wire = {
      operation,
      QoS: options.QoS ?? 0,
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
    return 0;
  }

  close(): void {
    if (this.#state === "closed") return;
    const opened = this.#socket !== undefined;
    this.#state = "closed";
    boardClock.clear(this.#connecting);
    this.#transport.detach();
    this.#socket?.close();
    this.#socket = undefined;
    this.#options = undefined;
    unlisten(`mqtt:${this.#handle}`);
    if (opened) hostPort().request({ op: "mqtt.close", handle: this.#handle });
  }

  #open(host: string, address: string): void {
    const options = this.#options;
    if (!options || this.#state !== "resolving") return;
    this.#state = "connecting";
    this.#socket = new options.socket.io({
      ...options.socket,
      address,
      host,
      port: options.port ?? 1883,
      onReadable: () => {},
      onWritable: () => this.#onWritable(),
      onError: () => this.#onError(),
      [HOST_TRANSPORT]: this.#transport,
    });
    this.#connecting = boardClock.set(() => {
      this.#connecting = undefined;
      this.#onError();
    }, CONNECT_TIMEOUT_MS);
    const secure = options.socket.secure;
    const open: MqttOpenOptions = {
      host,
      port: options.port ?? 1883,
      id: options.id ?? "",
      clean: options.clean ?? true,
      keepAlive: options.keepAlive ?? options.keepalive ?? 0,
      // The SDK's TLS socket always offers TLS 1.2, whatever it is asked.
      protocolVersion: 0x303,
    };
    if (options.user !== undefined) open.user = options.user;
    if (secure?.certificate) open.ca = toBytes(secure.certificate);
    const clientCertificate = secure?.clientCertificates?.[0];
    if (clientCertificate) open.certificate = toBytes(clientCertificate);
    if (secure?.clientKey) open.key = toBytes(secure.clientKey);
    listen(`mqtt:${this.#handle}`, (event) => this.#deliver(event));
    expectOk(hostPort().request({ op: "mqtt.open", handle: this.#handle, options: open }), `MQTT connect to ${host}`);
  }

  /** The TLS socket is writable: its handshake is done; the SDK's client sends CONNECT here (the host's connection already has). */
  #onWritable(): void {
    if (this.#state !== "connecting") return;
    boardClock.clear(this.#connecting);
    this.#connecting = undefined;
    this.#state = "login";
  }

  #onError(): void {
    const options = this.#options;
    if (!options) return;
    options.onError?.call(this);
    this.close();
  }

  #deliver(event: PortEvent): void {
    const options = this.#options;
    if (!options) return;
    switch (event.kind) {
      case "mqtt.control": {
        if (event.operation === MQTTClient.CONNACK) {
          this.#transport.secure();
          this.#state = "connected";
          options.onControl?.call(this, { operation: MQTTClient.CONNACK, returnCode: 0 });
          break;
        }
        const message: ControlMessage = { operation: event.operation, id: event.id };
        if (event.payload) message.payload = Array.from(event.payload);
        options.onControl?.call(this, message);
        break;
      }
      case "mqtt.message":
        this.#incoming = event.payload;
        options.onReadable?.call(this, event.payload.length, { topic: event.topic, byteLength: event.payload.length, QoS: event.QoS, more: false });
        this.#incoming = undefined;
        break;
      case "mqtt.error":
        this.#fail(event.code, event.message);
        break;
      case "mqtt.close":
        this.#fail("closed", "the connection closed");
        break;
      default:
        break;
    }
  }

  /** Delivers the host connection's failure where the SDK would see it: the TLS layer, CONNACK, or the TCP socket. */
  #fail(code: string, message: string): void {
    if (this.#state !== "connected" && code === "tls-rejected") this.#transport.refuse(message);
    else if (this.#state !== "connected" && CONNECT_REFUSED.has(code)) {
      this.#transport.secure();
      this.#onError();
    } else this.#transport.drop();
  }
}
