import path from "node:path";
import { fileURLToPath } from "node:url";
import { flashImages, FlashFailed, SerialPortMissing } from "./EspFlasher.ts";
import { buildImages, FirmwareImageError, imageAt, type FlashImage } from "./FirmwareImage.ts";
import { FlashProgressView } from "./FlashProgressView.ts";

export const FLASH_HELP = `  aqm flash --port PATH [--baud N] [--build DIR | --image OFFSET=FILE …] [--no-verify]
      Write a built firmware to an ESP32 over USB serial (e.g. --port /dev/ttyUSB0): reset it into
      its ROM bootloader, write each image compressed, check each one's MD5 in the board's flash,
      then reset it into the new firmware. --build DIR is the Moddable build's bin folder
      ($MODDABLE/build/bin/esp32/debug/<app>): bootloader.bin at 0x1000, partition-table.bin at
      0x8000, otadata erased (so the board starts ota_0) and xs_esp32.bin at ota_0's offset in
      manifests/partitions.csv. To update a running board over its serial console instead, see
      aqm update.
      --image writes FILE at OFFSET instead (repeatable, e.g. --image 0x10000=xs_esp32.bin).
      --baud: the rate after connecting (default 921600; the ROM starts at 115200).
      --no-verify skips the MD5 check. Exit codes: 0 done, 1 failed, 2 bad usage, 3 port missing.`;

export interface FlashCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal, which gets a progress bar instead of percent lines. */
  readonly isTTY: boolean;
  readonly partitionsCsv?: string;
}

const PROCESS_IO: FlashCommandIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), isTTY: Boolean(process.stdout.isTTY) };
const DEFAULT_PARTITIONS = fileURLToPath(new URL("../../../manifests/partitions.csv", import.meta.url));
const DEFAULT_BAUD = 921600;

interface FlashArgs {
  readonly port: string;
  readonly baud: number;
  readonly buildDir: string | undefined;
  readonly images: readonly { readonly offset: number; readonly file: string }[];
  readonly verify: boolean;
}

/** `aqm flash`: exit code 0 flashed (and verified), 1 failed, 2 bad usage, 3 port missing. */
export async function flashCommand(args: readonly string[], io: FlashCommandIo = PROCESS_IO): Promise<number> {
  let options: FlashArgs;
  try {
    options = parseFlashArgs(args);
  } catch (error) {
    if (!(error instanceof FlashUsageError)) throw error;
    io.stderr(`aqm flash: ${error.message}\n\n${FLASH_HELP}\n`);
    return 2;
  }
  let images: FlashImage[];
  try {
    images = options.buildDir !== undefined ? buildImages(options.buildDir, io.partitionsCsv ?? DEFAULT_PARTITIONS) : options.images.map(({ offset, file }) => imageAt(offset, file));
  } catch (error) {
    if (!(error instanceof FirmwareImageError)) throw error;
    io.stderr(`aqm flash: ${error.message}\n`);
    return 1;
  }
  const view = new FlashProgressView(io.stdout, io.isTTY);
  try {
    const result = await flashImages({
      port: options.port,
      baud: options.baud,
      images,
      verify: options.verify,
      onProgress: (progress) => view.update(progress),
      onStep: (line) => {
        view.finish();
        io.stdout(`aqm flash: ${line}\n`);
      },
    });
    view.finish();
    const files = images.map((image) => path.basename(image.file)).join(", ");
    io.stdout(`aqm flash: done: ${files} written to the ${result.chip} on ${options.port}${options.verify ? `, ${result.verified.length} verified by MD5` : " (not verified)"}\n`);
    return 0;
  } catch (error) {
    view.finish();
    if (error instanceof SerialPortMissing) {
      io.stderr(`aqm flash: ${error.message} (is the board plugged in? see ls /dev/ttyUSB* /dev/ttyACM*)\n`);
      return 3;
    }
    if (error instanceof FlashFailed) {
      io.stderr(`aqm flash: ${error.message}\n`);
      if (error.log.length > 0) io.stderr(`  esptool-js said:\n${error.log.map((line) => `    ${line}`).join("\n")}\n`);
      return 1;
    }
    throw error;
  }
}

class FlashUsageError extends Error {}

function parseFlashArgs(args: readonly string[]): FlashArgs {
  let port: string | undefined;
  let baud = DEFAULT_BAUD;
  let buildDir: string | undefined;
  const images: { offset: number; file: string }[] = [];
  let verify = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--no-verify") {
      verify = false;
      continue;
    }
    if (arg !== "--port" && arg !== "--baud" && arg !== "--build" && arg !== "--image") throw new FlashUsageError(`unknown argument ${arg}`);
    const value = args[++i];
    if (value === undefined || value.startsWith("--")) throw new FlashUsageError(`${arg} needs a value`);
    if (arg === "--port") port = value;
    else if (arg === "--build") buildDir = value;
    else if (arg === "--baud") {
      baud = Number(value);
      if (!Number.isInteger(baud) || baud < 9600) throw new FlashUsageError(`--baud must be a whole number of at least 9600, not "${value}"`);
    } else {
      const match = /^(0x[0-9a-fA-F]+|\d+)=(.+)$/.exec(value);
      if (!match) throw new FlashUsageError(`--image ${value}: expected OFFSET=FILE, e.g. 0x10000=xs_esp32.bin`);
      images.push({ offset: Number(match[1]), file: match[2]! });
    }
  }
  if (!port) throw new FlashUsageError("--port PATH is required, e.g. --port /dev/ttyUSB0");
  if (buildDir !== undefined && images.length > 0) throw new FlashUsageError("give --build DIR or --image OFFSET=FILE, not both");
  if (buildDir === undefined && images.length === 0) throw new FlashUsageError("nothing to write: give --build DIR or --image OFFSET=FILE");
  return { port, baud, buildDir, images, verify };
}
