import { toArrayBuffer, toBytes } from "./Bytes.ts";
import { listen, unlisten } from "./EventDispatch.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

interface SerialOptions {
  port: number;
  baud: number;
  receive?: number;
  transmit?: number;
  format?: "number" | "buffer";
  onReadable?: (this: Serial, bytes: number) => void;
  onWritable?: (this: Serial, bytes: number) => void;
}

/** ECMA-419 `embedded:io/serial` on a simulated UART; `onReadable` fires as bytes arrive in board time. */
export default class Serial {
  readonly #port: number;
  #format: "number" | "buffer";
  #closed = false;

  constructor(options: SerialOptions) {
    this.#port = options.port;
    this.#format = options.format ?? "buffer";
    expectOk(hostPort().request({ op: "serial.open", port: options.port, baud: options.baud }), `serial ${options.port} open`);
    const onReadable = options.onReadable;
    if (onReadable) {
      listen(`serial:${options.port}`, (event) => {
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
    unlisten(`serial:${this.#port}`);
    hostPort().request({ op: "serial.close", port: this.#port });
  }

  #check(): void {
    if (this.#closed) throw new Error(`serial ${this.#port} is closed`);
  }
}
