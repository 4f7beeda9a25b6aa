import { existsSync } from "node:fs";
import path from "node:path";
import { ConsoleClient, ConsoleRefused } from "../provision/ConsoleClient.ts";
import { ttyLink } from "../provision/ConsoleLink.ts";
import { sendFirmwareImage } from "./ConsoleUpdate.ts";
import { FirmwareImageError, readImage, type FlashImage } from "./FirmwareImage.ts";
import { FlashProgressView } from "./FlashProgressView.ts";

export const UPDATE_HELP = `  aqm update --port PATH --image FILE [--timeout S]
      Update a running board's firmware over its serial console (e.g. --port /dev/ttyUSB0 at
      115200 baud): FILE is the app image (xs_esp32.bin from aqm build). The board writes it to its
      spare OTA partition while it keeps sampling (LED firmware-update), checks its size, its ESP32
      image magic and its CRC-32, and boots it after its next reset; anything wrong cancels the
      update and the running firmware stays. --timeout: seconds to wait for each reply (default 10).
      Exit codes: 0 done (reset the board), 1 refused or failed, 2 bad usage, 3 port missing.`;

export interface UpdateCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal, which gets a progress bar instead of percent lines. */
  readonly isTTY: boolean;
}

const PROCESS_IO: UpdateCommandIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), isTTY: Boolean(process.stdout.isTTY) };

class UpdateUsageError extends Error {}

/** `aqm update`: exit code 0 the board took the image, 1 refused or failed, 2 bad usage, 3 port missing. */
export async function updateCommand(args: readonly string[], io: UpdateCommandIo = PROCESS_IO): Promise<number> {
  let options: { port: string; file: string; timeoutMs: number };
  try {
    options = parseUpdateArgs(args);
  } catch (error) {
    if (!(error instanceof UpdateUsageError)) throw error;
    io.stderr(`aqm update: ${error.message}\n\n${UPDATE_HELP}\n`);
    return 2;
  }
  let image: FlashImage;
  try {
    image = readImage(options.file, 0, "esp-image");
  } catch (error) {
    if (!(error instanceof FirmwareImageError)) throw error;
    io.stderr(`aqm update: ${error.message}\n`);
    return 1;
  }
  if (!existsSync(options.port)) {
    io.stderr(`aqm update: no serial port ${options.port} (is the board plugged in? see ls /dev/ttyUSB* /dev/ttyACM*)\n`);
    return 3;
  }
  const link = ttyLink(options.port);
  const client = new ConsoleClient(link, { timeoutMs: options.timeoutMs });
  const view = new FlashProgressView(io.stdout, io.isTTY);
  try {
    io.stdout(`aqm update: sending ${path.basename(options.file)} (${image.data.length} bytes) to the board on ${options.port}\n`);
    const done = await sendFirmwareImage(client, image.data, (sentBytes, totalBytes) => view.update({ image, index: 0, sentBytes, totalBytes }));
    view.finish();
    io.stdout(`aqm update: done: ${done}\naqm update: reset the board to start the new firmware\n`);
    return 0;
  } catch (error) {
    view.finish();
    if (error instanceof ConsoleRefused) io.stderr(`aqm update: ${error.message}; the board cancelled the update and keeps its running firmware\n`);
    else io.stderr(`aqm update: ${(error as Error).message}\n`);
    return 1;
  } finally {
    client.close();
    link.close();
  }
}

function parseUpdateArgs(args: readonly string[]): { port: string; file: string; timeoutMs: number } {
  let port: string | undefined;
  let file: string | undefined;
  let timeoutMs = 10_000;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg !== "--port" && arg !== "--image" && arg !== "--timeout") throw new UpdateUsageError(`unknown argument ${arg}`);
    const value = args[++i];
    if (value === undefined || value.startsWith("--")) throw new UpdateUsageError(`${arg} needs a value`);
    if (arg === "--port") port = value;
    else if (arg === "--image") file = value;
    else {
      const seconds = Number(value);
      if (!(seconds > 0)) throw new UpdateUsageError(`--timeout must be a number of seconds above 0, not "${value}"`);
      timeoutMs = seconds * 1000;
    }
  }
  if (!port) throw new UpdateUsageError("--port PATH is required, e.g. --port /dev/ttyUSB0");
  if (!file) throw new UpdateUsageError("--image FILE is required (the app image, xs_esp32.bin)");
  return { port, file, timeoutMs };
}
