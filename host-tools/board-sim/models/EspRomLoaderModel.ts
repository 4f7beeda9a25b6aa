import { createHash } from "node:crypto";
import { constants as zlibConstants, inflateSync } from "node:zlib";
import { SerialPort } from "serialport";

/**
 * The ESP32's ROM serial bootloader (download mode), answering byte for byte as Espressif's
 * "Serial Protocol" document (esptool docs, advanced-topics/serial-protocol) describes it for the
 * ESP32 ROM, without the flasher stub:
 *
 * - SLIP frames: 0xC0 ends, 0xDB 0xDC / 0xDB 0xDD escape 0xC0 / 0xDB;
 * - a command is 00, op, size (LE16), checksum (LE32), data; a response is 01, op, size, value
 *   (LE32), data, and the ESP32 ROM ends its data with four status bytes (status, error, 0, 0);
 * - SYNC is answered eight times; READ_REG returns the chip-detect magic 0x00F01D83 at 0x40001000;
 * - FLASH_DATA / FLASH_DEFL_DATA carry size, seq, 0, 0 then the payload, whose XOR seeded with 0xEF
 *   must equal the checksum field (error 0x07 otherwise); compressed data is a zlib stream;
 * - SPI_FLASH_MD5 answers 32 ASCII hex digits of the region's MD5.
 *
 * Commands the ROM does not implement (GET_SECURITY_INFO 0x14, the stub-only 0xD0… commands) get
 * status 1 with error 0x05, "received message is invalid". The model keeps the whole flash and a
 * record of every command so tests can assert on both. `corruptFlashAt` flips one flash byte as
 * it is written, a write fault the block checksums cannot see, which only the MD5 check catches.
 */

export interface RecordedCommand {
  readonly op: number;
  readonly name: string;
  /** Length of the data field, as sent. */
  readonly size: number;
  /** The error code sent back, or 0 for success. */
  readonly error: number;
}

export interface EspRomLoaderOptions {
  readonly flashBytes?: number;
  /** A flash address whose byte is inverted when written. */
  readonly corruptFlashAt?: number;
}

const ROM_COMMANDS: Readonly<Record<number, string>> = {
  0x02: "FLASH_BEGIN",
  0x03: "FLASH_DATA",
  0x04: "FLASH_END",
  0x05: "MEM_BEGIN",
  0x06: "MEM_END",
  0x07: "MEM_DATA",
  0x08: "SYNC",
  0x09: "WRITE_REG",
  0x0a: "READ_REG",
  0x0b: "SPI_SET_PARAMS",
  0x0d: "SPI_ATTACH",
  0x0f: "CHANGE_BAUDRATE",
  0x10: "FLASH_DEFL_BEGIN",
  0x11: "FLASH_DEFL_DATA",
  0x12: "FLASH_DEFL_END",
  0x13: "SPI_FLASH_MD5",
};

const SLIP_END = 0xc0;
const SLIP_ESC = 0xdb;
const CHECKSUM_SEED = 0xef;
const CHIP_DETECT_MAGIC_REG = 0x40001000;
const ESP32_CHIP_MAGIC = 0x00f01d83;
/** The value field of the ESP32 ROM's SYNC answers, as seen in esptool traces. */
const SYNC_VALUE = 0x55552007;
const SYNC_PAYLOAD = [0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55)];

const ERROR = { invalidMessage: 0x05, failedToAct: 0x06, badChecksum: 0x07, deflate: 0x0b } as const;

interface FlashDownload {
  readonly offset: number;
  readonly blocks: number;
  readonly blockSize: number;
  readonly compressed: boolean;
  nextSeq: number;
  /** Compressed bytes received so far, to inflate from the start each block (small images only). */
  zlibStream: Uint8Array;
  written: number;
}

export class EspRomLoaderModel {
  readonly flash: Uint8Array;
  readonly commands: RecordedCommand[] = [];
  /** The baud rate CHANGE_BAUDRATE asked for, if any. */
  baudRate = 115200;
  /** True once FLASH_END / FLASH_DEFL_END asked to reboot into the app. */
  rebootRequested = false;
  readonly #registers = new Map<number, number>([[CHIP_DETECT_MAGIC_REG, ESP32_CHIP_MAGIC]]);
  readonly #corruptFlashAt: number | undefined;
  #frame: number[] | undefined;
  #escaping = false;
  #download: FlashDownload | undefined;
  /** The ROM leaves the last register value in the value field of later responses. */
  #lastValue = 0;

  constructor(options: EspRomLoaderOptions = {}) {
    this.flash = new Uint8Array(options.flashBytes ?? 4 * 1024 * 1024).fill(0xff);
    this.#corruptFlashAt = options.corruptFlashAt;
  }

  /** Bytes from the host; returns the bytes to send back, already SLIP-framed. */
  receive(bytes: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const byte of bytes) {
      if (this.#frame === undefined) {
        if (byte === SLIP_END) this.#frame = [];
        continue;
      }
      if (this.#escaping) {
        this.#escaping = false;
        if (byte === 0xdc) this.#frame.push(SLIP_END);
        else if (byte === 0xdd) this.#frame.push(SLIP_ESC);
        else this.#frame = undefined;
      } else if (byte === SLIP_ESC) this.#escaping = true;
      else if (byte === SLIP_END) {
        const packet = this.#frame;
        // An empty frame is two END bytes in a row: the second one opens the next packet.
        this.#frame = packet.length === 0 ? [] : undefined;
        if (packet.length > 0) for (const response of this.#handle(Uint8Array.from(packet))) out.push(...slipFrame(response));
      } else this.#frame.push(byte);
    }
    return Uint8Array.from(out);
  }

  #handle(packet: Uint8Array): Uint8Array[] {
    if (packet.length < 8 || packet[0] !== 0x00) return [];
    const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    const op = packet[1]!;
    const size = view.getUint16(2, true);
    const checksum = view.getUint32(4, true);
    const data = packet.subarray(8);
    const name = ROM_COMMANDS[op] ?? `UNKNOWN_0x${op.toString(16)}`;
    const record = (error: number): void => void this.commands.push({ op, name, size: data.length, error });
    if (size !== data.length || !(op in ROM_COMMANDS)) {
      record(ERROR.invalidMessage);
      return [this.#response(op, ERROR.invalidMessage)];
    }
    if (op === 0x08) {
      const valid = data.length === SYNC_PAYLOAD.length && SYNC_PAYLOAD.every((value, i) => data[i] === value);
      record(valid ? 0 : ERROR.invalidMessage);
      if (!valid) return [this.#response(op, ERROR.invalidMessage)];
      this.#lastValue = SYNC_VALUE;
      return new Array(8).fill(null).map(() => this.#response(op, 0));
    }
    const result = this.#execute(op, data, checksum);
    record(result.error);
    return [this.#response(op, result.error, result.body)];
  }

  #execute(op: number, data: Uint8Array, checksum: number): { error: number; body?: Uint8Array } {
    const words = (count: number): number[] | undefined => {
      if (data.length < count * 4) return undefined;
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      return Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
    };
    switch (op) {
      case 0x0a: {
        const [address] = words(1) ?? [];
        if (address === undefined || data.length !== 4) return { error: ERROR.invalidMessage };
        this.#lastValue = this.#registers.get(address) ?? 0;
        return { error: 0 };
      }
      case 0x09: {
        // WRITE_REG takes one or more (address, value, mask, delay) groups.
        if (data.length === 0 || data.length % 16 !== 0) return { error: ERROR.invalidMessage };
        for (let i = 0; i < data.length / 16; i++) {
          const [address, value, mask] = words(4 * (i + 1))!.slice(4 * i);
          const old = this.#registers.get(address!) ?? 0;
          this.#registers.set(address!, ((old & ~mask!) | (value! & mask!)) >>> 0);
        }
        return { error: 0 };
      }
      case 0x0b:
        return { error: data.length === 24 ? 0 : ERROR.invalidMessage };
      case 0x0d:
        // The ROM takes a second word (the "is legacy" flag) that the stub does not.
        return { error: data.length === 8 ? 0 : ERROR.invalidMessage };
      case 0x0f: {
        const [baud] = words(2) ?? [];
        if (baud === undefined || baud === 0) return { error: ERROR.invalidMessage };
        this.baudRate = baud;
        return { error: 0 };
      }
      case 0x02:
      case 0x10:
        return this.#begin(words(4), op === 0x10);
      case 0x03:
      case 0x11:
        return this.#data(data, checksum, op === 0x11);
      case 0x04:
      case 0x12: {
        const [runUserCode] = words(1) ?? [];
        if (runUserCode === undefined) return { error: ERROR.invalidMessage };
        this.#download = undefined;
        if (runUserCode === 0) this.rebootRequested = true;
        return { error: 0 };
      }
      case 0x13: {
        const [address, length] = words(4) ?? [];
        if (address === undefined || length === undefined || address + length > this.flash.length) return { error: ERROR.invalidMessage };
        const md5 = createHash("md5")
          .update(this.flash.subarray(address, address + length))
          .digest("hex");
        return { error: 0, body: new TextEncoder().encode(md5) };
      }
      default:
        // MEM_BEGIN/DATA/END load code into RAM; running code is beyond a protocol model.
        return { error: ERROR.failedToAct };
    }
  }

  #begin(args: number[] | undefined, compressed: boolean): { error: number } {
    if (!args) return { error: ERROR.invalidMessage };
    const [eraseSize, blocks, blockSize, offset] = args as [number, number, number, number];
    if (offset + eraseSize > this.flash.length || blockSize === 0) return { error: ERROR.invalidMessage };
    this.flash.fill(0xff, offset, offset + eraseSize);
    this.#download = { offset, blocks, blockSize, compressed, nextSeq: 0, zlibStream: new Uint8Array(0), written: 0 };
    return { error: 0 };
  }

  #data(data: Uint8Array, checksum: number, compressed: boolean): { error: number } {
    const download = this.#download;
    if (!download || download.compressed !== compressed || data.length < 16) return { error: ERROR.invalidMessage };
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const length = view.getUint32(0, true);
    const seq = view.getUint32(4, true);
    const payload = data.subarray(16);
    if (length !== payload.length || seq !== download.nextSeq || seq >= download.blocks) return { error: ERROR.invalidMessage };
    if (payload.reduce((state, byte) => state ^ byte, CHECKSUM_SEED) !== checksum) return { error: ERROR.badChecksum };
    download.nextSeq++;
    if (!compressed) {
      this.#write(download.offset + seq * download.blockSize, payload);
      return { error: 0 };
    }
    const stream = new Uint8Array(download.zlibStream.length + payload.length);
    stream.set(download.zlibStream);
    stream.set(payload, download.zlibStream.length);
    download.zlibStream = stream;
    let inflated: Uint8Array;
    try {
      inflated = inflateSync(stream, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      return { error: ERROR.deflate };
    }
    this.#write(download.offset + download.written, inflated.subarray(download.written));
    download.written = inflated.length;
    return { error: 0 };
  }

  #write(address: number, bytes: Uint8Array): void {
    this.flash.set(bytes, address);
    const corrupt = this.#corruptFlashAt;
    if (corrupt !== undefined && corrupt >= address && corrupt < address + bytes.length) this.flash[corrupt] = ~this.flash[corrupt]! & 0xff;
  }

  #response(op: number, error: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
    const status = [error === 0 ? 0 : 1, error, 0, 0];
    const packet = new Uint8Array(8 + body.length + status.length);
    const view = new DataView(packet.buffer);
    packet[0] = 0x01;
    packet[1] = op;
    view.setUint16(2, body.length + status.length, true);
    view.setUint32(4, this.#lastValue >>> 0, true);
    packet.set(body, 8);
    packet.set(status, 8 + body.length);
    return packet;
  }
}

function slipFrame(packet: Uint8Array): number[] {
  const out = [SLIP_END];
  for (const byte of packet) {
    if (byte === SLIP_END) out.push(SLIP_ESC, 0xdc);
    else if (byte === SLIP_ESC) out.push(SLIP_ESC, 0xdd);
    else out.push(byte);
  }
  out.push(SLIP_END);
  return out;
}

/** The model answering on a tty (the device end of a PseudoTerminal), as a board on a cable. */
export class AttachedRomLoader {
  readonly model: EspRomLoaderModel;
  readonly #port: SerialPort;

  private constructor(model: EspRomLoaderModel, port: SerialPort) {
    this.model = model;
    this.#port = port;
  }

  static async open(model: EspRomLoaderModel, devicePath: string): Promise<AttachedRomLoader> {
    const port = new SerialPort({ path: devicePath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    port.on("data", (chunk: Buffer) => {
      const reply = model.receive(new Uint8Array(chunk));
      if (reply.length > 0) port.write(Buffer.from(reply));
    });
    return new AttachedRomLoader(model, port);
  }

  async close(): Promise<void> {
    if (!this.#port.isOpen) return;
    await new Promise<void>((resolve) => this.#port.close(() => resolve()));
  }
}
