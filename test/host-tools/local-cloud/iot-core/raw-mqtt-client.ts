import tls from "node:tls";
import mqttPacket from "mqtt-packet";
import type { IssuedCertificate } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import type { TestCa } from "./iot-core-fixture.ts";

/** A client that writes whatever bytes a test gives it over mutual TLS, and records what comes back: for packets no MQTT library would send. */
export interface RawClient {
  /** Everything the core sent, decoded. */
  readonly received: mqttPacket.Packet[];
  readonly closed: Promise<number>;
  write(bytes: Uint8Array): void;
  destroy(): void;
}

export function connectRaw(port: number, ca: TestCa, identity: IssuedCertificate, options: { servername?: string | false } = {}): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ca: ca.certPem,
      cert: identity.certPem,
      key: identity.keyPem,
      ...(options.servername === false ? {} : { servername: options.servername ?? "localhost" }),
      checkServerIdentity: () => undefined,
    });
    const received: mqttPacket.Packet[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on("packet", (packet) => received.push(packet));
    socket.on("data", (chunk: Buffer) => parser.parse(chunk));
    const opened = Date.now();
    const closed = new Promise<number>((done) => socket.on("close", () => done(Date.now() - opened)));
    socket.on("error", () => undefined);
    socket.once("secureConnect", () => resolve({ received, closed, write: (bytes) => void socket.write(bytes), destroy: () => socket.destroy() }));
    socket.once("error", reject);
  });
}

/** A CONNECT as a board sends it: MQTT 3.1.1, clean session. */
export function connectPacket(clientId: string, extra: Partial<mqttPacket.IConnectPacket> = {}): Uint8Array {
  return mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, keepalive: 60, clientId, ...extra });
}

/**
 * A PUBLISH at QoS 1 with the topic as raw bytes, so a test can send what an encoder would refuse
 * (invalid UTF-8, NUL): fixed header 0x32, remaining length, topic length + bytes, packet id, payload.
 */
export function rawPublish(topic: Uint8Array, payload: Uint8Array, id = 1): Uint8Array {
  const body = new Uint8Array([topic.length >> 8, topic.length & 0xff, ...topic, id >> 8, id & 0xff, ...payload]);
  return new Uint8Array([0x32, ...remainingLength(body.length), ...body]);
}

/** MQTT's variable-length integer (§2.2.3). */
export function remainingLength(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}
