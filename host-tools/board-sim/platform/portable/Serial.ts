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
/** The ESP32 UART's receive FIFO: the most one read can find waiting. */
const RX_FIFO_BYTES = 128;
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

  /**
   * As the SDK's ESP32 read: undefined while nothing has arrived. In "buffer" format, read(buffer)
   * fills as much of the buffer as has arrived and returns that count, allocating nothing; read(n)
   * and read() return a new ArrayBuffer of up to n bytes (or of what has arrived). A length of 0 or
   * less is "invalid"; the SDK says so only when bytes are waiting, this says so always.
   */
  read(buffer: ArrayBufferLike | ArrayBufferView): number | undefined;
  read(byteLength?: number): number | ArrayBuffer | undefined;
  read(target?: number | ArrayBufferLike | ArrayBufferView): number | ArrayBuffer | undefined {
    this.#check();
    if (this.#format === "number") {
      const data = this.#receive(1);
      return data === undefined ? undefined : data[0];
    }
    if (typeof target === "object" && target !== null) {
      const into = ArrayBuffer.isView(target) ? new Uint8Array(target.buffer, target.byteOffset, target.byteLength) : new Uint8Array(target);
      if (into.length <= 0) throw new Error("invalid");
      const data = this.#receive(into.length);
      if (data === undefined) return undefined;
      into.set(data);
      return data.length;
    }
    const requested = target === undefined ? RX_FIFO_BYTES : Math.trunc(Number(target));
    if (!(requested > 0)) throw new Error("invalid");
    const data = this.#receive(requested);
    return data === undefined ? undefined : toArrayBuffer(data);
  }

  #receive(max: number): Uint8Array | undefined {
    const data = expectOk(hostPort().request({ op: "serial.read", port: this.#port, max }), `serial ${this.#port} read`).data;
    return data && data.length > 0 ? data : undefined;
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
