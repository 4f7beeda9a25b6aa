import path from "node:path";
import { EXIT, failedWith, runnerOf, type CliCommand, type CommandIo, type ExitCode } from "../cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../cli/CommandArgs.ts";
import { PARTITIONS_CSV_FILE, PartitionTableError } from "../../board-sim/board/PartitionTable.ts";
import { flashImages, FlashFailed, SerialPortMissing } from "./EspFlasher.ts";
import { buildImages, FirmwareImageError, imageAt, type FlashImage } from "./FirmwareImage.ts";
import { FlashProgressView } from "./FlashProgressView.ts";

/** A terminal gets a progress bar instead of percent lines. */
export type FlashCommandIo = Pick<CommandIo, "stdout" | "stderr" | "isTTY">;

const DEFAULT_BAUD = 921600;

interface FlashArgs {
  readonly port: string;
  readonly baud: number;
  readonly buildDir: string | undefined;
  readonly images: readonly { readonly offset: number; readonly file: string }[];
  readonly verify: boolean;
}

/** `aqm flash`: exit code 0 flashed (and verified), 1 failed, 2 bad usage, 3 port missing. */
export const FLASH_COMMAND: CliCommand<FlashCommandIo> = {
  name: "flash",
  summary: "write a built firmware to an ESP32 over USB serial and check it by MD5",
  usage: `  aqm flash --port PATH [--baud N] [--build DIR | --image OFFSET=FILE …] [--no-verify]
      Write a built firmware to an ESP32 over USB serial (e.g. --port /dev/ttyUSB0): reset it into
      its ROM bootloader, write each image compressed, check each one's MD5 in the board's flash,
      then reset it into the new firmware. --build DIR is the Moddable build's bin folder
      ($MODDABLE/build/bin/esp32/debug/<app>): bootloader.bin at 0x1000, partition-table.bin at
      0x8000, otadata erased (so the board starts ota_0) and xs_esp32.bin at ota_0's offset in
      manifests/partitions.csv. To update a running board over its serial console instead, see
      aqm update.
      --image writes FILE at OFFSET instead (repeatable, e.g. --image 0x10000=xs_esp32.bin).
      --baud: the rate after connecting (default 921600; the ROM starts at 115200).
      --no-verify skips the MD5 check. Exit codes: 0 done, 1 failed, 2 bad usage, 3 port missing.`,
  usageErrorPrefix: "aqm flash",
  run: flash,
};

export const flashCommand = runnerOf(FLASH_COMMAND);

async function flash(args: readonly string[], io: FlashCommandIo): Promise<ExitCode> {
  const options = parseFlashArgs(args);
  let images: FlashImage[];
  try {
    images =
      options.buildDir !== undefined ? buildImages(options.buildDir, PARTITIONS_CSV_FILE) : options.images.map(({ offset, file }) => imageAt(offset, file));
  } catch (error) {
    return failedWith(error, [FirmwareImageError, PartitionTableError], io, "aqm flash");
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
    io.stdout(
      `aqm flash: done: ${files} written to the ${result.chip} on ${options.port}${options.verify ? `, ${result.verified.length} verified by MD5` : " (not verified)"}\n`,
    );
    return EXIT.done;
  } catch (error) {
    view.finish();
    if (error instanceof SerialPortMissing) {
      io.stderr(`aqm flash: ${error.message} (is the board plugged in? see ls /dev/ttyUSB* /dev/ttyACM*)\n`);
      return EXIT.missing;
    }
    if (error instanceof FlashFailed) {
      io.stderr(`aqm flash: ${error.message}\n`);
      if (error.log.length > 0) io.stderr(`  esptool-js said:\n${error.log.map((line) => `    ${line}`).join("\n")}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

function parseFlashArgs(argv: readonly string[]): FlashArgs {
  let port: string | undefined;
  let baud = DEFAULT_BAUD;
  let buildDir: string | undefined;
  const images: { offset: number; file: string }[] = [];
  let verify = true;
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--no-verify") verify = false;
    else if (arg === "--port") port = args.optionValue(arg);
    else if (arg === "--build") buildDir = args.optionValue(arg);
    else if (arg === "--baud") baud = args.numberValue(arg, "a whole number of at least 9600", (n) => Number.isInteger(n) && n >= 9600);
    else if (arg === "--image") {
      const value = args.optionValue(arg);
      const match = /^(0x[0-9a-fA-F]+|\d+)=(.+)$/.exec(value);
      if (!match) throw new UsageError(`--image ${value}: expected OFFSET=FILE, e.g. 0x10000=xs_esp32.bin`);
      images.push({ offset: Number(match[1]), file: match[2]! });
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  if (!port) throw new UsageError("--port PATH is required, e.g. --port /dev/ttyUSB0");
  if (buildDir !== undefined && images.length > 0) throw new UsageError("give --build DIR or --image OFFSET=FILE, not both");
  if (buildDir === undefined && images.length === 0) throw new UsageError("nothing to write: give --build DIR or --image OFFSET=FILE");
  return { port, baud, buildDir, images, verify };
}
