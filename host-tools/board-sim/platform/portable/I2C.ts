import { toArrayBuffer, toBytes } from "./Bytes.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

interface I2COptions {
  data: number;
  clock: number;
  hz: number;
  address: number;
  port?: number;
}

/** ECMA-419 `embedded:io/i2c` on a simulated bus. A NACK throws, as Moddable's ESP32 I2C does. */
export default class I2C {
  readonly #bus: number;
  readonly #address: number;
  #closed = false;

  constructor(options: I2COptions) {
    if (!Number.isInteger(options.address) || options.address < 0 || options.address > 0x7f) {
      throw new RangeError(`invalid I2C address ${options.address}`);
    }
    this.#bus = options.port ?? 0;
    this.#address = options.address;
  }

  get resolution(): number {
    return 8;
  }

  get format(): "buffer" {
    return "buffer";
  }

  set format(value: "buffer") {
    if (value !== "buffer") throw new RangeError(`unsupported I2C format ${String(value)}`);
  }

  write(value: ArrayBufferLike | ArrayBufferView, stop = true): void {
    this.#check();
    expectOk(
      hostPort().request({ op: "i2c.write", bus: this.#bus, address: this.#address, data: toBytes(value), stop }),
      `I2C write to 0x${this.#address.toString(16)}`,
    );
  }

  read(byteLengthOrBuffer: number | ArrayBufferLike | ArrayBufferView, stop = true): ArrayBuffer {
    this.#check();
    const length = typeof byteLengthOrBuffer === "number" ? byteLengthOrBuffer : byteLengthOrBuffer.byteLength;
    const reply = expectOk(
      hostPort().request({ op: "i2c.read", bus: this.#bus, address: this.#address, length, stop }),
      `I2C read from 0x${this.#address.toString(16)}`,
    );
    const data = reply.data ?? new Uint8Array(0);
    if (typeof byteLengthOrBuffer !== "number") {
      const target = ArrayBuffer.isView(byteLengthOrBuffer)
        ? new Uint8Array(byteLengthOrBuffer.buffer, byteLengthOrBuffer.byteOffset, byteLengthOrBuffer.byteLength)
        : new Uint8Array(byteLengthOrBuffer);
      target.set(data);
    }
    return toArrayBuffer(data);
  }

  close(): void {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new Error(`I2C 0x${this.#address.toString(16)} is closed`);
  }
}
