import { existsSync } from "node:fs";
import path from "node:path";
import { EXIT, failedWith, runnerOf, type CliCommand, type CommandIo, type ExitCode } from "../cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../cli/CommandArgs.ts";
import { ConsoleClient, ConsoleRefused } from "../provision/ConsoleClient.ts";
import { ttyLink } from "../provision/ConsoleLink.ts";
import { sendFirmwareImage } from "./ConsoleUpdate.ts";
import { FirmwareImageError, readImage, type FlashImage } from "./FirmwareImage.ts";
import { FlashProgressView } from "./FlashProgressView.ts";

/** A terminal gets a progress bar instead of percent lines. */
export type UpdateCommandIo = Pick<CommandIo, "stdout" | "stderr" | "isTTY">;

/** `aqm update`: exit code 0 the board took the image, 1 refused or failed, 2 bad usage, 3 port missing. */
export const UPDATE_COMMAND: CliCommand<UpdateCommandIo> = {
  name: "update",
  summary: "update a running board's firmware over its serial console",
  usage: `  aqm update --port PATH --image FILE [--timeout S]
      Update a running board's firmware over its serial console (e.g. --port /dev/ttyUSB0 at
      115200 baud): FILE is the app image (xs_esp32.bin from aqm build). The board writes it to its
      spare OTA partition while it keeps sampling (LED firmware-update), checks its size, its ESP32
      image magic and its CRC-32, and boots it after its next reset; anything wrong cancels the
      update and the running firmware stays. --timeout: seconds to wait for each reply (default 10).
      Exit codes: 0 done (reset the board), 1 refused or failed, 2 bad usage, 3 port missing.`,
  usageErrorPrefix: "aqm update",
  run: update,
};

export const updateCommand = runnerOf(UPDATE_COMMAND);

async function update(args: readonly string[], io: UpdateCommandIo): Promise<ExitCode> {
  const options = parseUpdateArgs(args);
  let image: FlashImage;
  try {
    image = readImage(options.file, 0, "esp-image");
  } catch (error) {
    return failedWith(error, [FirmwareImageError], io, "aqm update");
  }
  if (!existsSync(options.port)) {
    io.stderr(`aqm update: no serial port ${options.port} (is the board plugged in? see ls /dev/ttyUSB* /dev/ttyACM*)\n`);
    return EXIT.missing;
  }
  const link = ttyLink(options.port);
  const client = new ConsoleClient(link, { timeoutMs: options.timeoutMs });
  const view = new FlashProgressView(io.stdout, io.isTTY);
  try {
    io.stdout(`aqm update: sending ${path.basename(options.file)} (${image.data.length} bytes) to the board on ${options.port}\n`);
    const done = await sendFirmwareImage(client, image.data, (sentBytes, totalBytes) => view.update({ image, index: 0, sentBytes, totalBytes }));
    view.finish();
    io.stdout(`aqm update: done: ${done}\naqm update: reset the board to start the new firmware\n`);
    return EXIT.done;
  } catch (error) {
    view.finish();
    if (error instanceof ConsoleRefused) io.stderr(`aqm update: ${error.message}; the board cancelled the update and keeps its running firmware\n`);
    else io.stderr(`aqm update: ${(error as Error).message}\n`);
    return EXIT.failed;
  } finally {
    client.close();
    link.close();
  }
}

function parseUpdateArgs(argv: readonly string[]): { port: string; file: string; timeoutMs: number } {
  let port: string | undefined;
  let file: string | undefined;
  let timeoutMs = 10_000;
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--port") port = args.optionValue(arg);
    else if (arg === "--image") file = args.optionValue(arg);
    else if (arg === "--timeout") timeoutMs = args.numberValue(arg, "a number of seconds above 0", (seconds) => seconds > 0) * 1000;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  if (!port) throw new UsageError("--port PATH is required, e.g. --port /dev/ttyUSB0");
  if (!file) throw new UsageError("--image FILE is required (the app image, xs_esp32.bin)");
  return { port, file, timeoutMs };
}
