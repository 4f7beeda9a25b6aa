import { THING_NAME, THING_NAME_RULE } from "../session/ThingName";

/**
 * The board's build-time settings (the manifest's `config`, read through `mc/config`), checked
 * once at boot so a bad build fails with a message naming the setting, not later with a crash.
 */
export interface BoardConfig {
  readonly thing: string;
  readonly endpoint: string;
  readonly port: number;
  readonly sampleIntervalMs: number;
  /** How often every sensor is read; each reading averages the reads of its interval. */
  readonly readIntervalMs: number;
  readonly keepAliveMs: number;
  readonly queueCapacity: number;
  /** How long a reading may wait for others to share its message (MqttSession's batchWaitMs); the cloud may change it. */
  readonly batchWaitMs: number;
  readonly led: { readonly red: number; readonly green: number; readonly blue: number };
  /** `set` is the GPIO wired to the sensor's SET pin, when there is one. */
  readonly pms5003: { readonly port: number; readonly receive: number; readonly transmit: number; readonly set?: number };
  /** The sensors' I2C bus. The SDK's ESP32 I2C refuses a bus without `hz` (modules/io/i2c/esp32/_i2c.c). */
  readonly i2c: { readonly port: number; readonly data: number; readonly clock: number; readonly hz: number };
  /** The console's UART. The SDK's ESP32 Serial refuses one without `baud` (modules/io/serial/esp32/serial.c). */
  readonly console: UartSettings;
  /**
   * Where the console goes in a debug build, whose debugger holds UART 0 for xsbug
   * (build/devices/esp32/lib/debugger/debugger_uart.c): opening the console there is "port in use".
   */
  readonly debugConsole?: UartSettings;
  /** The DNS servers the SDK's ECMA-419 resolver asks for the broker's address, in turn. */
  readonly dnsServers: readonly string[];
}

export interface UartSettings {
  readonly port: number;
  readonly receive: number;
  readonly transmit: number;
  readonly baud: number;
}

import { BATCH_WAIT_MAX_MS } from "../session/MqttSession";

export class ConfigError extends Error {
  readonly setting: string;

  constructor(setting: string, problem: string) {
    super(`config.${setting}: ${problem}`);
    this.setting = setting;
  }
}

function integer(source: Record<string, unknown>, path: string, min: number, max: number): number {
  const value = path.split(".").reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), source);
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function text(source: Record<string, unknown>, key: string, pattern: RegExp, what: string): string {
  const value = source[key];
  if (typeof value !== "string" || !pattern.test(value)) throw new ConfigError(key, `expected ${what}, got ${JSON.stringify(value)}`);
  return value;
}

/** IoT Core keep-alive limits: at most 1,200 s; 30 s is the documented floor. */
const KEEP_ALIVE_MIN_MS = 30_000;
const KEEP_ALIVE_MAX_MS = 1_200_000;

/** Five seconds gives a 60 s reading twelve reads to average, and keeps the SHT4x's self-heating negligible. */
const DEFAULT_READ_INTERVAL_MS = 5_000;

function readInterval(source: Record<string, unknown>, sampleIntervalMs: number): number {
  if (source.readIntervalMs === undefined) return Math.min(DEFAULT_READ_INTERVAL_MS, sampleIntervalMs);
  const readIntervalMs = integer(source, "readIntervalMs", 1000, sampleIntervalMs);
  if (sampleIntervalMs % readIntervalMs !== 0) {
    throw new ConfigError("readIntervalMs", `expected a whole divisor of sampleIntervalMs (${sampleIntervalMs}), got ${readIntervalMs}`);
  }
  return readIntervalMs;
}

/** The ESP32's UART rates: the SDK's Serial takes 1 … 20,000,000. */
function uart(source: Record<string, unknown>, name: string): UartSettings {
  return {
    port: integer(source, `${name}.port`, 0, 2),
    receive: integer(source, `${name}.receive`, 0, 48),
    transmit: integer(source, `${name}.transmit`, 0, 48),
    baud: integer(source, `${name}.baud`, 1, 20_000_000),
  };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function dnsServers(source: Record<string, unknown>): string[] {
  const value = source.dnsServers;
  if (!Array.isArray(value) || value.length === 0 || !value.every((server) => typeof server === "string" && IPV4.test(server)))
    throw new ConfigError("dnsServers", `expected a list of one or more IPv4 addresses, got ${JSON.stringify(value)}`);
  return value as string[];
}

export function parseBoardConfig(source: Record<string, unknown>): BoardConfig {
  const sampleIntervalMs = integer(source, "sampleIntervalMs", 1000, 3_600_000);
  const pms = source.pms5003 as Record<string, unknown> | undefined;
  return {
    thing: text(source, "thing", THING_NAME, `a thing name of ${THING_NAME_RULE}`),
    endpoint: text(source, "endpoint", /^[a-zA-Z0-9.-]{1,253}$/, "a host name"),
    port: integer(source, "port", 1, 65535),
    sampleIntervalMs,
    readIntervalMs: readInterval(source, sampleIntervalMs),
    keepAliveMs: integer(source, "keepAliveMs", KEEP_ALIVE_MIN_MS, KEEP_ALIVE_MAX_MS),
    queueCapacity: integer(source, "queueCapacity", 1, 100_000),
    // Sending each reading as it is taken is the default: a board on a metered link sets a wait.
    batchWaitMs: source.batchWaitMs === undefined ? 0 : integer(source, "batchWaitMs", 0, BATCH_WAIT_MAX_MS),
    led: { red: integer(source, "led.red", 0, 48), green: integer(source, "led.green", 0, 48), blue: integer(source, "led.blue", 0, 48) },
    pms5003: {
      port: integer(source, "pms5003.port", 0, 2),
      receive: integer(source, "pms5003.receive", 0, 48),
      transmit: integer(source, "pms5003.transmit", 0, 48),
      ...(pms && pms.set !== undefined ? { set: integer(source, "pms5003.set", 0, 48) } : {}),
    },
    i2c: {
      port: integer(source, "i2c.port", 0, 1),
      data: integer(source, "i2c.data", 0, 48),
      clock: integer(source, "i2c.clock", 0, 48),
      hz: integer(source, "i2c.hz", 1, 1_000_000),
    },
    console: uart(source, "console"),
    ...(source.debugConsole === undefined ? {} : { debugConsole: uart(source, "debugConsole") }),
    dnsServers: dnsServers(source),
  };
}
