import { createHash } from "node:crypto";
import { ESPLoader, Transport, type IEspLoaderTerminal } from "esptool-js";
import type { FlashImage } from "./FirmwareImage.ts";
import { NodeSerialPort, SerialPortMissing } from "./NodeSerialPort.ts";

/**
 * Writes images to an ESP32 through its ROM serial bootloader with Espressif's esptool-js.
 *
 * It talks to the ROM loader directly, without uploading esptool's flasher stub (what
 * `esptool --no-stub` does): the ROM protocol is the one Espressif documents and the one
 * host-tools/board-sim/models/EspRomLoaderModel.ts reproduces, so what the tests exercise is what runs on a
 * board. The cost is speed (the ROM writes each block before acknowledging it). As esptool does
 * for the ROM, it attaches the SPI flash and sets its geometry before writing, sends 1 KB blocks,
 * and compresses the data (FLASH_DEFL_*).
 *
 * Verification asks the ROM for the MD5 of each written region (SPI_FLASH_MD5) and compares it
 * with the MD5 of the file as sent. It is done here rather than by esptool-js's writeFlash
 * because esptool-js 0.7 hex-encodes the ROM's answer, which the ROM already sends as 32 ASCII
 * hex digits (only the stub sends 16 raw bytes), so its comparison cannot succeed without a stub.
 */

export interface FlashProgress {
  readonly image: FlashImage;
  /** Position of the image in the list, from 0. */
  readonly index: number;
  /** Compressed bytes acknowledged by the board so far, out of `totalBytes` on the wire. */
  readonly sentBytes: number;
  readonly totalBytes: number;
}

export interface FlashOptions {
  readonly port: string;
  /** Baud rate to switch to after syncing at the ROM's 115200. */
  readonly baud: number;
  readonly images: readonly FlashImage[];
  readonly verify: boolean;
  readonly onProgress?: (progress: FlashProgress) => void;
  /** One line per step worth telling a person about. */
  readonly onStep?: (line: string) => void;
  readonly flashBytes?: number;
}

export interface FlashResult {
  readonly chip: string;
  readonly verified: readonly { readonly offset: number; readonly md5: string }[];
}

/** The board answered but something went wrong; `log` holds esptool-js's last messages. */
export class FlashFailed extends Error {
  readonly log: readonly string[];
  constructor(message: string, log: readonly string[]) {
    super(message);
    this.name = "FlashFailed";
    this.log = log;
  }
}

export { SerialPortMissing };

const ROM_BAUD = 115200;
/** esptool's FLASH_WRITE_SIZE for the ESP32 ROM loader; 16 KB blocks are for the stub only. */
const ROM_BLOCK_BYTES = 0x400;
const SPI_ATTACH = 0x0d;
const SPI_SET_PARAMS = 0x0b;
const SPI_FLASH_MD5 = 0x13;
const LOG_LINES_KEPT = 30;

export async function flashImages(options: FlashOptions): Promise<FlashResult> {
  const step = options.onStep ?? (() => {});
  const log = new RecentLines(LOG_LINES_KEPT);
  const device = new NodeSerialPort(options.port);
  // esptool-js types its device as Web Serial's SerialPort; NodeSerialPort provides the members it uses.
  const transport = new QuietTransport(device as unknown as ConstructorParameters<typeof Transport>[0], false);
  const loader = new ESPLoader({ transport, baudrate: options.baud, romBaudrate: ROM_BAUD, terminal: log.terminal });
  let connected = false;
  try {
    step(`connecting to ${options.port} (resetting the board into its ROM bootloader)`);
    try {
      await loader.connect("default_reset", 4, true);
    } catch (error) {
      if (error instanceof SerialPortMissing) throw error;
      const lines = device.controlLines ? "" : `; ${options.port} has no DTR/RTS lines, so hold BOOT and press EN to enter download mode`;
      throw new FlashFailed(`no answer from an ESP32 ROM bootloader on ${options.port} (${messageOf(error)})${lines}`, log.lines);
    }
    connected = true;
    const chip = loader.chip.CHIP_NAME;
    if (chip !== "ESP32") throw new FlashFailed(`${options.port} is an ${chip}; aqm firmware is built for the ESP32`, log.lines);
    step(`connected: ${await loader.chip.getChipDescription(loader)}`);
    if (options.baud !== ROM_BAUD) {
      await loader.changeBaud();
      step(`switched to ${options.baud} baud`);
    }
    loader.FLASH_WRITE_SIZE = ROM_BLOCK_BYTES;
    await loader.checkCommand("attach SPI flash", SPI_ATTACH, new Uint8Array(8));
    await loader.checkCommand("set SPI flash parameters", SPI_SET_PARAMS, words([0, options.flashBytes ?? 4 * 1024 * 1024, 0x10000, 0x1000, 0x100, 0xffff]));
    const verified: { offset: number; md5: string }[] = [];
    for (const [index, image] of options.images.entries()) {
      step(`writing ${image.file} at ${hex(image.offset)} (${image.data.length} bytes)`);
      const sent = paddedAsSent(image.data);
      try {
        await loader.writeFlash({
          fileArray: [{ data: image.data, address: image.offset }],
          flashMode: "keep",
          flashFreq: "keep",
          flashSize: "keep",
          eraseAll: false,
          compress: true,
          reportProgress: (_file, sentBytes, totalBytes) => options.onProgress?.({ image, index, sentBytes, totalBytes }),
        });
      } catch (error) {
        throw new FlashFailed(`writing ${image.file} at ${hex(image.offset)} failed: ${messageOf(error)}`, log.lines);
      }
      if (!options.verify) continue;
      const expected = createHash("md5").update(sent).digest("hex");
      const actual = await flashMd5(loader, image.offset, sent.length);
      if (actual !== expected) {
        throw new FlashFailed(
          `verify failed for ${image.file} at ${hex(image.offset)}: flash MD5 ${actual}, file MD5 ${expected}; the board's flash does not hold the file`,
          log.lines,
        );
      }
      step(`verified ${image.file}: MD5 ${actual}`);
      verified.push({ offset: image.offset, md5: actual });
    }
    step("resetting the board into the new firmware");
    await loader.after("hard_reset", false);
    return { chip, verified };
  } catch (error) {
    if (error instanceof FlashFailed || error instanceof SerialPortMissing || !connected) throw error;
    throw new FlashFailed(messageOf(error), log.lines);
  } finally {
    await transport.disconnect().catch(() => {});
  }
}

/** The ROM answers SPI_FLASH_MD5 with 32 ASCII hex digits before its status bytes. */
async function flashMd5(loader: ESPLoader, offset: number, length: number): Promise<string> {
  const timeout = Math.max(3000, (8000 * length) / 1_000_000);
  const answer = await loader.checkCommand("calculate MD5 of flash", SPI_FLASH_MD5, words([offset, length, 0, 0]), 0, 32, timeout);
  if (!(answer instanceof Uint8Array)) throw new Error("SPI_FLASH_MD5 returned no digest");
  return new TextDecoder().decode(answer).toLowerCase();
}

/** esptool-js pads each image to a 4-byte multiple with 0xFF before writing it. */
function paddedAsSent(data: Uint8Array): Uint8Array {
  const remainder = data.length % 4;
  if (remainder === 0) return data;
  const padded = new Uint8Array(data.length + 4 - remainder).fill(0xff);
  padded.set(data);
  return padded;
}

function words(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setUint32(i * 4, value >>> 0, true));
  return bytes;
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** esptool-js's Transport prints some trace lines (its read loop ending) with console.log even with tracing off. */
class QuietTransport extends Transport {
  override trace(): void {}
}

/** esptool-js's own messages, kept to explain a failure rather than printed as it goes. */
class RecentLines {
  readonly #keep: number;
  readonly #lines: string[] = [];
  #partial = "";

  constructor(keep: number) {
    this.#keep = keep;
  }

  get lines(): readonly string[] {
    return [...this.#lines];
  }

  readonly terminal: IEspLoaderTerminal = {
    clean: () => {},
    writeLine: (data: string) => this.#push(this.#partial + data),
    write: (data: string) => {
      this.#partial += data;
    },
  };

  #push(line: string): void {
    this.#partial = "";
    if (line.trim() === "") return;
    this.#lines.push(line);
    if (this.#lines.length > this.#keep) this.#lines.shift();
  }
}
