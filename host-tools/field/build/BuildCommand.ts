import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EXIT, failed, type CliCommand, type CommandOutput, type ExitCode } from "../cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../cli/CommandArgs.ts";
import { planBuild } from "./FirmwareBuild.ts";

const MANIFEST_DIR = fileURLToPath(new URL("../../../manifests/", import.meta.url));

/** `aqm build`: exit code 0 built (and flashed), 1 the build failed, 2 bad usage, 3 a tool is missing. */
export const BUILD_COMMAND: CliCommand<CommandOutput> = {
  name: "build",
  summary: "build the firmware with the Moddable SDK for a board manifest, and flash it if asked",
  usage: `  aqm build [--board NAME] [--flash] [--release] [key=value …]
      Build the firmware with the Moddable SDK's mcconfig for a board manifest (default
      esp32-devkitc), e.g. aqm build thing=my-board-01 endpoint=xxxx-ats.iot.eu-west-1.amazonaws.com.
      --flash also writes it to the board over USB. Says what is missing (SDK, tools, ESP-IDF).`,
  usageErrorPrefix: "aqm",
  run: build,
};

async function build(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  let board = "esp32-devkitc";
  let flash = false;
  let debug = true;
  const settings: string[] = [];
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--board") {
      board = args.take() ?? "";
      if (!board) throw new UsageError("--board needs a manifest name, e.g. esp32-devkitc");
    } else if (arg === "--flash") flash = true;
    else if (arg === "--release") debug = false;
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm build`);
    else settings.push(arg);
  }
  const plan = planBuild({ board, settings, flash, debug }, process.env, MANIFEST_DIR);
  if ("missing" in plan) {
    io.stderr(`aqm build cannot run here:\n${plan.missing.map((m) => `  - ${m}`).join("\n")}\n`);
    return EXIT.missing;
  }
  io.stdout(`${plan.command} ${plan.args.join(" ")}   (in ${plan.cwd})\n`);
  // mcconfig and the ESP-IDF tools it runs write their progress straight to the terminal.
  const result = spawnSync(plan.command, plan.args, { cwd: plan.cwd, stdio: "inherit" });
  if (result.error) return failed(io, "aqm build", result.error.message);
  return result.status === 0 ? EXIT.done : EXIT.failed;
}
