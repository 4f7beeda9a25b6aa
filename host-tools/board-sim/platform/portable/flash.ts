import { toArrayBuffer, toBytes } from "./Bytes.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

/** Moddable's `flash` module on a simulated NOR partition (erase sets 0xFF; a write can only clear bits). */
export default class Flash {
  readonly #partition: string;
  readonly byteLength: number;
  readonly blockSize: number;

  constructor(partition: string) {
    if (typeof partition !== "string") throw new TypeError("the simulated flash opens partitions by name only");
    this.#partition = partition;
    const info = expectOk(hostPort().request({ op: "flash.info", partition }), `flash partition "${partition}"`);
    this.byteLength = info.size ?? 0;
    this.blockSize = info.blockSize ?? 4096;
  }

  erase(sector: number): void {
    expectOk(hostPort().request({ op: "flash.erase", partition: this.#partition, sector }), `flash "${this.#partition}" erase sector ${sector}`);
  }

  read(offset: number, byteLength: number): ArrayBuffer {
    const reply = expectOk(
      hostPort().request({ op: "flash.read", partition: this.#partition, offset, length: byteLength }),
      `flash "${this.#partition}" read ${byteLength} at ${offset}`,
    );
    return toArrayBuffer(reply.data ?? new Uint8Array(0));
  }

  write(offset: number, byteLength: number, buffer: ArrayBufferLike | ArrayBufferView): void {
    const data = toBytes(buffer).subarray(0, byteLength);
    expectOk(
      hostPort().request({ op: "flash.write", partition: this.#partition, offset, data }),
      `flash "${this.#partition}" write ${byteLength} at ${offset}`,
    );
  }
}
