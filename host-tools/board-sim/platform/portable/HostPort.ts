/**
 * The one synchronous channel between a firmware bundle and the host that simulates its board.
 *
 * The same bundle runs under Node (a `vm` context, where `request` is a direct call) and under
 * the real XS engine (where `request` goes through xsnap's `issueCommand`). Everything in this
 * folder is bundled with the firmware, so it must stay free of Node APIs: it is type-checked with
 * the firmware's tsconfig.
 */

export type Bytes = Uint8Array;

export type PortRequest =
  | { op: "tick"; now: number }
  | { op: "console"; text: string }
  | { op: "config" }
  | { op: "i2c.write"; bus: number; address: number; data: Bytes; stop: boolean }
  | { op: "i2c.read"; bus: number; address: number; length: number; stop: boolean }
  | { op: "serial.open"; port: number; baud: number }
  | { op: "serial.write"; port: number; data: Bytes }
  | { op: "serial.read"; port: number; max: number }
  | { op: "serial.close"; port: number }
  | { op: "digital.open"; pin: number; output: boolean }
  | { op: "digital.write"; pin: number; value: 0 | 1 }
  | { op: "digital.read"; pin: number }
  | { op: "pref.get"; domain: string; key: string }
  | { op: "pref.set"; domain: string; key: string; value: PrefValue }
  | { op: "pref.delete"; domain: string; key: string }
  | { op: "pref.keys"; domain: string }
  | { op: "flash.info"; partition: string }
  | { op: "flash.read"; partition: string; offset: number; length: number }
  | { op: "flash.write"; partition: string; offset: number; data: Bytes }
  | { op: "flash.erase"; partition: string; sector: number }
  | { op: "mqtt.open"; handle: number; options: MqttOpenOptions }
  | { op: "mqtt.write"; handle: number; data: Bytes; options: MqttWriteOptions }
  | { op: "mqtt.close"; handle: number }
  | { op: "wifi.connect"; ssid: string; password: string }
  | { op: "wifi.close" }
  | { op: "sntp.query"; host: string }
  | { op: "ota.begin" }
  | { op: "ota.write"; handle: number; data: Bytes }
  | { op: "ota.complete"; handle: number }
  | { op: "ota.cancel"; handle: number };

/** A preference value as it crosses the port: ArrayBuffers travel as bytes. */
export type PrefValue = string | number | boolean | { bytes: Bytes };

export interface MqttOpenOptions {
  host: string;
  port: number;
  id: string;
  clean: boolean;
  keepAlive: number;
  user?: string;
  /** DER-encoded CA certificate, client certificate and PKCS#8 key, as Moddable's SecureSocket takes them. */
  ca?: Bytes;
  certificate?: Bytes;
  key?: Bytes;
  /** 0x303 = TLS 1.2, Moddable's `protocolVersion` encoding. */
  protocolVersion?: number;
}

/** MQTT control packet types, as the ECMA-419 client numbers its operations (`MqttWriteOptions.operation`, `onControl`). */
export const MqttOperation = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  SUBSCRIBE: 8,
  SUBACK: 9,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
} as const;

export interface MqttWriteOptions {
  operation: number;
  topic?: string;
  QoS?: number;
  retain?: boolean;
  id?: number;
  duplicate?: boolean;
  /** SUBSCRIBE items: topic filters with their QoS. */
  items?: { topic: string; QoS: number }[];
}

/** Something the host has ready for the board; delivered at each tick. */
export type PortEvent =
  | { kind: "serial"; port: number; available: number }
  | { kind: "digital"; pin: number; value: 0 | 1 }
  | { kind: "mqtt.control"; handle: number; operation: number; id: number; payload?: Bytes }
  | { kind: "mqtt.message"; handle: number; topic: string; QoS: number; payload: Bytes }
  | { kind: "mqtt.error"; handle: number; code: string; message: string }
  | { kind: "mqtt.close"; handle: number }
  | { kind: "wifi"; message: WifiMessage }
  /** Seconds since the epoch, or null when the server did not answer. */
  | { kind: "sntp"; host: string; time: number | null };

/** What Moddable's `wifi` module reports to its callback. */
export type WifiMessage = "connect" | "gotIP" | "lostIP" | "disconnect";

export type PortReply =
  | {
      ok: true;
      data?: Bytes;
      value?: number | PrefValue | null;
      keys?: string[];
      size?: number;
      blockSize?: number;
      events?: PortEvent[];
      nextEventAt?: number | null;
    }
  | { ok: false; error: string; code: string };

export interface HostPort {
  request(request: PortRequest): PortReply;
}

/** Throws the host's error as an Error whose message names the operation, as Moddable's IO classes throw. */
export function expectOk(reply: PortReply, what: string): Extract<PortReply, { ok: true }> {
  if (!reply.ok) {
    const error = new Error(`${what}: ${reply.error}`) as Error & { code: string };
    error.code = reply.code;
    throw error;
  }
  return reply;
}
