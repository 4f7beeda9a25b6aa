import { toArrayBuffer, toBytes } from "./Bytes.ts";
import { listen, unlisten } from "./EventDispatch.ts";
import { readHostConfig } from "./HostConfig.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

interface SerialOptions {
  port?: number;
  baud?: number;
  receive?: number;
  transmit?: number;
  format?: "number" | "buffer";
  onReadable?: (this: Serial, bytes: number) => void;
  onWritable?: (this: Serial, bytes: number) => void;
}

/** The ESP32's UARTs (UART_NUM_MAX). */
const PORTS = 3;
/** The UARTs of this board with a driver installed; in a debug build the debugger's UART 0 is one. */
let installedPorts: Set<number> | undefined;
function installed(): Set<number> {
  installedPorts ??= new Set(readHostConfig().build === "debug" ? [0] : []);
  return installedPorts;
}

/**
 * ECMA-419 `embedded:io/serial` on a simulated UART; `onReadable` fires as bytes arrive in board
 * time. It refuses what the SDK's ESP32 Serial (modules/io/serial/esp32/serial.c) refuses, with its
 * errors: neither receive nor transmit pin ("invalid"), a port out of 0…2, a missing or out-of-range
 * `baud` ("invalid baud"), and a UART already open ("port in use"), which UART 0 is in a debug build.
 */
export default class Serial {
  readonly #port: number;
  #format: "number" | "buffer";
  #closed = false;

  constructor(options: SerialOptions) {
    if (options.receive === undefined && options.transmit === undefined) throw new Error("invalid");
    const port = options.port ?? 0;
    if (!(Number.isInteger(port) && port >= 0 && port < PORTS)) throw new RangeError("invalid port");
    // Read with xsmcToInteger: a missing baud is 0.
    const baud = Math.trunc(Number(options.baud ?? 0)) || 0;
    if (baud <= 0 || baud > 20_000_000) throw new RangeError("invalid baud");
    const format = options.format ?? "buffer";
    if (format !== "buffer" && format !== "number") throw new RangeError("invalid format");
    if (installed().has(port)) throw new RangeError("port in use");
    this.#port = port;
    this.#format = format;
    expectOk(hostPort().request({ op: "serial.open", port, baud }), `serial ${port} open`);
    installed().add(port);
    const onReadable = options.onReadable;
    if (onReadable) {
      listen(`serial:${port}`, (event) => {
        if (event.kind === "serial" && event.available > 0 && !this.#closed) onReadable.call(this, event.available);
      });
    }
  }

  get resolution(): number {
    return 8;
  }

  get format(): "number" | "buffer" {
    return this.#format;
  }

  set format(value: "number" | "buffer") {
    if (value !== "number" && value !== "buffer") throw new RangeError(`unsupported serial format ${String(value)}`);
    this.#format = value;
  }

  read(byteLength?: number): number | ArrayBuffer | undefined {
    this.#check();
    const max = this.#format === "number" ? 1 : (byteLength ?? 1024);
    const data = expectOk(hostPort().request({ op: "serial.read", port: this.#port, max }), `serial ${this.#port} read`).data;
    if (!data || data.length === 0) return undefined;
    return this.#format === "number" ? data[0] : toArrayBuffer(data);
  }

  write(value: number | ArrayBufferLike | ArrayBufferView): void {
    this.#check();
    const data = typeof value === "number" ? Uint8Array.of(value & 0xff) : toBytes(value);
    expectOk(hostPort().request({ op: "serial.write", port: this.#port, data }), `serial ${this.#port} write`);
  }

  flush(): void {
    this.#check();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    installed().delete(this.#port);
    unlisten(`serial:${this.#port}`);
    hostPort().request({ op: "serial.close", port: this.#port });
  }

  #check(): void {
    if (this.#closed) throw new Error(`serial ${this.#port} is closed`);
  }
}
