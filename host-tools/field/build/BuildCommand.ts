import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, failed, type CliCommand, type CommandOutput, type ExitCode } from "../cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../cli/CommandArgs.ts";
import { planBuild, type BuildPlan } from "./FirmwareBuild.ts";
import { findMakefile, linkedModules, modulesMainNeeds, readXsStage, xsStageArgs } from "./XsLinkCheck.ts";

const MANIFEST_DIR = fileURLToPath(new URL("../../../manifests/", import.meta.url));
const FIRMWARE_DIR = fileURLToPath(new URL("../../../firmware/", import.meta.url));

/** `aqm build`: exit code 0 built (and flashed) or checked, 1 the build failed, 2 bad usage, 3 a tool is missing. */
export const BUILD_COMMAND: CliCommand<CommandOutput> = {
  name: "build",
  summary: "build the firmware with the Moddable SDK for a board manifest, check it links, and flash it if asked",
  usage: `  aqm build [--board NAME] [--check] [--flash] [--release] [key=value …]
      Build the firmware image with the Moddable SDK's mcconfig and ESP-IDF for a board manifest
      (default esp32-devkitc), e.g. aqm build thing=my-board-01 endpoint=xxxx-ats.iot.eu-west-1.amazonaws.com.
      --check (or no ESP-IDF installed) runs the SDK only through its XS link (tsc, xsc, xsl) and
      checks that every module main.ts imports is in the linked image; it says which stage it
      reached and what is missing. --flash also writes the image to the board over USB.`,
  usageErrorPrefix: "aqm",
  run: build,
};

async function build(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  let board = "esp32-devkitc";
  let flash = false;
  let debug = true;
  let check = false;
  const settings: string[] = [];
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--board") {
      board = args.take() ?? "";
      if (!board) throw new UsageError("--board needs a manifest name, e.g. esp32-devkitc");
    } else if (arg === "--flash") flash = true;
    else if (arg === "--release") debug = false;
    else if (arg === "--check") check = true;
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm build`);
    else settings.push(arg);
  }
  if (check && flash) throw new UsageError("--check stops before ESP-IDF, so it cannot --flash");
  const plan = planBuild({ board, settings, flash, debug, check }, process.env, MANIFEST_DIR);
  if ("missing" in plan) {
    io.stderr(`aqm build cannot run here:\n${plan.missing.map((m) => `  - ${m}`).join("\n")}\n`);
    return EXIT.missing;
  }
  io.stdout(`${plan.command} ${plan.args.join(" ")}   (in ${plan.cwd})\n`);
  if (plan.kind === "image") {
    // mcconfig and the ESP-IDF tools it runs write their progress straight to the terminal.
    const result = spawnSync(plan.command, plan.args, { cwd: plan.cwd, stdio: "inherit" });
    if (result.error) return failed(io, "aqm build", result.error.message);
    return result.status === 0 ? EXIT.done : EXIT.failed;
  }
  return checkXsLink(plan, io);
}

function stageLine(stage: string, state: string, detail = ""): string {
  return `  ${stage.padEnd(9)}${state.padEnd(9)}${detail}\n`;
}

/** mcconfig, then the makefile's XS stage alone, then the linked module table against what main.ts imports. */
function checkXsLink(plan: Extract<BuildPlan, { kind: "check" }>, io: CommandOutput): ExitCode {
  mkdirSync(plan.outputDir, { recursive: true });
  const mcconfig = spawnSync(plan.command, plan.args, { cwd: plan.cwd, encoding: "utf8" });
  if (mcconfig.error) return failed(io, "aqm build", mcconfig.error.message);
  const makefile = findMakefile(plan.outputDir);
  if (mcconfig.status !== 0 || !makefile) {
    io.stdout(stageLine("mcconfig", "failed", `exit ${mcconfig.status}`));
    io.stderr(`${mcconfig.stdout}${mcconfig.stderr}`.trim() + (makefile ? "\n" : `\nno makefile under ${plan.outputDir}\n`));
    return EXIT.failed;
  }
  io.stdout(stageLine("mcconfig", "ok", makefile));
  const make = spawnSync("make", xsStageArgs(makefile, plan.idfPath), { encoding: "utf8" });
  if (make.error) return failed(io, "aqm build", `make: ${make.error.message}`);
  const report = readXsStage(`${make.stdout}\n${make.stderr}`, make.status ?? 1);
  const order = ["tsc", "xsc", "xsl"] as const;
  for (const stage of order.slice(0, order.indexOf(report.reached as (typeof order)[number]) + 1)) {
    const last = stage === report.reached;
    io.stdout(stageLine(stage, last && report.failure ? "failed" : "ok", last && report.linked ? report.linked : ""));
  }
  if (report.failure) {
    io.stderr(`the XS stage stopped at ${report.reached}:\n${report.failure.map((line) => `  ${line}`).join("\n")}\n`);
    return EXIT.failed;
  }
  const table = path.join(path.dirname(makefile), "mc.xs.c");
  const linked = existsSync(table) ? linkedModules(readFileSync(table, "utf8")) : new Set<string>();
  const needed = [...modulesMainNeeds(FIRMWARE_DIR)].sort();
  const absent = needed.filter((name) => !linked.has(name));
  if (absent.length > 0) {
    io.stdout(stageLine("modules", "failed", `${absent.length} of the ${needed.length} modules main.ts needs are not in the image`));
    io.stderr(`not in the linked image (${table}): ${absent.join(", ")}; firmware/device-modules.json says which SDK manifest brings each\n`);
    return EXIT.failed;
  }
  io.stdout(stageLine("modules", "ok", `all ${needed.length} modules main.ts needs are in the image (${linked.size} linked)`));
  if (plan.idfMissing) {
    io.stdout(stageLine("ESP-IDF", "missing", "the build stops at the XS link"));
    io.stderr(`aqm build: the firmware links; a full image needs ESP-IDF: ${plan.idfMissing}\n`);
    return EXIT.missing;
  }
  return EXIT.done;
}
