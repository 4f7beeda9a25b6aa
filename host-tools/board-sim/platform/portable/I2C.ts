import { toArrayBuffer, toBytes } from "./Bytes.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

interface I2COptions {
  data?: number;
  clock?: number;
  hz?: number;
  address?: number;
  port?: number;
}

/** The ESP32 has two I2C controllers (I2C_NUM_MAX). */
const PORTS = 2;

/** Every open I2C of this board, as the SDK's list of instances (`gI2C`) is: one bus per data/clock pair. */
const open = new Set<I2C>();

/**
 * ECMA-419 `embedded:io/i2c` on a simulated bus, refusing what the SDK's ESP32 I2C
 * (modules/io/i2c/esp32/_i2c.c) refuses, with its errors: a missing data, clock or address, an
 * address out of 0…127, a second open of one address on the same pins, a missing or out-of-range
 * `hz` ("invalid hz"), a port out of 0…1. A NACK throws, as that I2C does.
 */
export default class I2C {
  readonly #bus: number;
  readonly #address: number;
  readonly #data: number;
  readonly #clock: number;
  #closed = false;

  constructor(options: I2COptions) {
    if (options.data === undefined) throw new RangeError("data required");
    if (options.clock === undefined) throw new RangeError("clock required");
    if (options.address === undefined) throw new RangeError("address required");
    const address = options.address;
    if (!Number.isInteger(address) || address < 0 || address > 0x7f) throw new RangeError("invalid address");
    for (const other of open) {
      if (other.#data === options.data && other.#clock === options.clock && other.#address === address) throw new RangeError("duplicate address");
    }
    // The SDK reads hz with xsmcToInteger: a missing hz is 0, so refused like any out of range.
    const hz = Math.trunc(Number(options.hz ?? 0)) || 0;
    if (hz <= 0 || hz > 20_000_000) throw new RangeError("invalid hz");
    if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port < PORTS)) throw new RangeError("invalid port");
    this.#bus = options.port ?? 0;
    this.#address = address;
    this.#data = options.data;
    this.#clock = options.clock;
    open.add(this);
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
    open.delete(this);
  }

  #check(): void {
    if (this.#closed) throw new Error(`I2C 0x${this.#address.toString(16)} is closed`);
  }
}
