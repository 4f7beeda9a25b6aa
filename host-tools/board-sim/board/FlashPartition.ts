import { closeSync, existsSync, openSync, readSync, writeSync } from "node:fs";

export class PowerLossError extends Error {
  constructor(partition: string, offset: number, written: number, requested: number) {
    super(`power lost while writing flash "${partition}" at ${offset}: ${written} of ${requested} bytes reached the chip`);
  }
}

/**
 * A NOR flash partition as the ESP32 has it: erased bytes read 0xFF, a write can only clear bits
 * (it ANDs into what is there), erase works on whole sectors. Backed by memory, or by a file so
 * the contents survive a restart of the simulator. A test can cut the power part-way through the
 * next write, leaving exactly the bytes a real chip would have.
 */
export class FlashPartition {
  readonly name: string;
  readonly blockSize: number;
  readonly #bytes: Uint8Array;
  readonly #file: string | undefined;
  #cutAfterBytes: number | undefined;
  writes = 0;
  erases = 0;

  constructor(options: { name: string; size: number; blockSize?: number; file?: string }) {
    this.name = options.name;
    this.blockSize = options.blockSize ?? 4096;
    if (options.size % this.blockSize !== 0)
      throw new RangeError(`flash "${options.name}": size ${options.size} is not a whole number of ${this.blockSize}-byte sectors`);
    this.#bytes = new Uint8Array(options.size).fill(0xff);
    this.#file = options.file;
    if (this.#file && existsSync(this.#file)) {
      const fd = openSync(this.#file, "r");
      try {
        readSync(fd, this.#bytes, 0, this.#bytes.length, 0);
      } finally {
        closeSync(fd);
      }
    }
  }

  get size(): number {
    return this.#bytes.length;
  }

  read(offset: number, length: number): Uint8Array {
    this.#checkRange(offset, length, "read");
    return this.#bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.#checkRange(offset, data.length, "write");
    const cut = this.#cutAfterBytes;
    const count = cut === undefined ? data.length : Math.min(cut, data.length);
    for (let i = 0; i < count; i++) this.#bytes[offset + i]! &= data[i]!;
    this.writes++;
    this.#persist(offset, count);
    if (cut !== undefined) {
      this.#cutAfterBytes = undefined;
      throw new PowerLossError(this.name, offset, count, data.length);
    }
  }

  erase(sector: number): void {
    const offset = sector * this.blockSize;
    if (!Number.isInteger(sector) || sector < 0 || offset >= this.#bytes.length) throw new RangeError(`flash "${this.name}": no sector ${sector}`);
    this.#bytes.fill(0xff, offset, offset + this.blockSize);
    this.erases++;
    this.#persist(offset, this.blockSize);
  }

  /** The next write stores only its first `bytes` bytes, then the power goes. */
  cutPowerDuringNextWrite(bytes: number): void {
    this.#cutAfterBytes = bytes;
  }

  #checkRange(offset: number, length: number, what: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.#bytes.length) {
      throw new RangeError(`flash "${this.name}": ${what} of ${length} bytes at ${offset} is outside the ${this.#bytes.length}-byte partition`);
    }
  }

  #persist(offset: number, length: number): void {
    if (!this.#file || length === 0) return;
    const fresh = !existsSync(this.#file);
    const fd = openSync(this.#file, fresh ? "w+" : "r+");
    try {
      if (fresh) writeSync(fd, this.#bytes, 0, this.#bytes.length, 0);
      else writeSync(fd, this.#bytes, offset, length, offset);
    } finally {
      closeSync(fd);
    }
  }
}
