#!/usr/bin/env -S node --import tsx
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { CalibrationFileError, checkCalibrationFile, installCalibration } from "../calibration/CalibrationInstaller.ts";
import { planBuild } from "../build/FirmwareBuild.ts";
import { runScenarios } from "../hil/HilRunner.ts";
import { HilSession } from "../hil/HilSession.ts";
import { junitReport, type ScenarioResult } from "../hil/JUnitReport.ts";
import { HIL_SCENARIOS } from "../hil/scenarios.ts";
import { explainLogLine } from "../monitor/LogExplainer.ts";

const HELP = `aqm: tools for aqm boards

Usage:
  aqm monitor [FILE|-] [--save FILE] [--no-colour]
      Read a board's serial log (a file such as state/boards/<thing>/serial.log, or standard input),
      colour it by level, and explain every event code and LED state in words. --save also writes
      the raw lines to FILE.
  aqm calibration check FILE
      Check a gas-sensor calibration record (JSON, docs/gas-sensors.md) as the board would.
  aqm calibration install FILE --board DIR
      Check it, then store it in a simulated board's preferences (DIR is e.g. state/boards/<thing>);
      the board loads it at its next start. A record that fails the check changes nothing.
  aqm build [--board NAME] [--flash] [--release] [key=value …]
      Build the firmware with the Moddable SDK's mcconfig for a board manifest (default
      esp32-devkitc), e.g. aqm build thing=my-board-01 endpoint=xxxx-ats.iot.eu-west-1.amazonaws.com.
      --flash also writes it to the board over USB. Says what is missing (SDK, tools, ESP-IDF).
  aqm hil [--target sim|PORT] [--thing NAME] [--scenario NAME]… [--junit FILE]
          [--state DIR] [--endpoint HOST] [--reset-command CMD]
      Run the hardware-in-the-loop scenarios (boot, publishing, network loss, sensor fault, bad
      certificate) against a simulated board on a pseudo-terminal (default), or a real board on a
      serial port whose broker is this host's local IoT Core (--state: the local CA it trusts;
      --endpoint: the name or address it connects to). Scenarios a real board cannot be put through
      are skipped with the reason. --junit writes a JUnit XML report. Exit 0 only if none failed.
  aqm --help

Exit codes: 0 done, 1 failed, 2 bad usage, 3 a required tool is missing.`;

async function monitor(args: string[]): Promise<number> {
  let source = "-";
  let save: string | undefined;
  let colour = Boolean(process.stdout.isTTY);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--save") {
      save = args[++i];
      if (!save) throw new UsageError("--save needs a file name");
    } else if (arg === "--no-colour") colour = false;
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm monitor`);
    else source = arg;
  }
  const input = source === "-" ? process.stdin : createReadStream(source);
  const copy = save ? createWriteStream(save, { flags: "a" }) : undefined;
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    copy?.write(`${line}\n`);
    process.stdout.write(`${explainLogLine(line, colour)}\n`);
  }
  await new Promise<void>((resolve) => (copy ? copy.end(resolve) : resolve()));
  return 0;
}

async function calibration(args: string[]): Promise<number> {
  const [action, file, ...rest] = args;
  if ((action !== "check" && action !== "install") || !file) throw new UsageError("aqm calibration needs check FILE or install FILE --board DIR");
  try {
    if (action === "check") {
      if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")} after aqm calibration check FILE`);
      const { record } = checkCalibrationFile(file);
      process.stdout.write(`${file}: valid calibration record ${record.id} (CO ${record.co.serial}, NO2 ${record.no2.serial}, SO2 ${record.so2.serial}, OX ${record.ox.serial})\n`);
      return 0;
    }
    if (rest[0] !== "--board" || !rest[1] || rest.length > 2) throw new UsageError("aqm calibration install needs --board DIR");
    const installed = installCalibration(file, rest[1]);
    process.stdout.write(`installed calibration ${installed.id} in ${rest[1]}${installed.replaced ? ` (replacing ${installed.replaced})` : ""}; the board uses it from its next start\n`);
    return 0;
  } catch (error) {
    if (error instanceof CalibrationFileError) {
      process.stderr.write(`aqm: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function build(args: string[]): Promise<number> {
  let board = "esp32-devkitc";
  let flash = false;
  let debug = true;
  const settings: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--board") {
      board = args[++i] ?? "";
      if (!board) throw new UsageError("--board needs a manifest name, e.g. esp32-devkitc");
    } else if (arg === "--flash") flash = true;
    else if (arg === "--release") debug = false;
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm build`);
    else settings.push(arg);
  }
  const manifestDir = fileURLToPath(new URL("../../manifests/", import.meta.url));
  const plan = planBuild({ board, settings, flash, debug }, process.env, manifestDir);
  if ("missing" in plan) {
    process.stderr.write(`aqm build cannot run here:\n${plan.missing.map((m) => `  - ${m}`).join("\n")}\n`);
    return 3;
  }
  process.stdout.write(`${plan.command} ${plan.args.join(" ")}   (in ${plan.cwd})\n`);
  const result = spawnSync(plan.command, plan.args, { cwd: plan.cwd, stdio: "inherit" });
  if (result.error) {
    process.stderr.write(`aqm build: ${result.error.message}\n`);
    return 1;
  }
  return result.status === 0 ? 0 : 1;
}

async function hil(args: string[]): Promise<number> {
  const options = { target: "sim", thing: "aqm-hil-001", scenarios: [] as string[], junit: undefined as string | undefined, stateDir: undefined as string | undefined, endpoint: undefined as string | undefined, resetCommand: undefined as string | undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === "--target") options.target = value();
    else if (arg === "--thing") options.thing = value();
    else if (arg === "--scenario") options.scenarios.push(value());
    else if (arg === "--junit") options.junit = value();
    else if (arg === "--state") options.stateDir = value();
    else if (arg === "--endpoint") options.endpoint = value();
    else if (arg === "--reset-command") options.resetCommand = value();
    else throw new UsageError(`unknown option ${arg} for aqm hil`);
  }
  const known = HIL_SCENARIOS.map((s) => s.name);
  const unknown = options.scenarios.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(", ")} (scenarios: ${known.join(", ")})`);
  const chosen = options.scenarios.length === 0 ? HIL_SCENARIOS : HIL_SCENARIOS.filter((s) => options.scenarios.includes(s.name));
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const session = await HilSession.open({ target: options.target, thing: options.thing, say, ...(options.stateDir ? { stateDir: options.stateDir } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(options.resetCommand ? { resetCommand: options.resetCommand } : {}) });
  let results: ScenarioResult[];
  try {
    say(`aqm hil: ${chosen.length} scenarios on ${session.dut.description}`);
    results = await runScenarios(chosen, session, (r) => say(`${r.outcome === "passed" ? "PASS" : r.outcome === "failed" ? "FAIL" : "SKIP"} ${r.name} (${r.seconds.toFixed(1)} s)${r.message ? `: ${r.message}` : ""}`));
  } finally {
    await session.close();
  }
  if (options.junit) writeFileSync(options.junit, junitReport("aqm-hil", session.dut.description, results));
  const failed = results.filter((r) => r.outcome === "failed").length;
  say(`${results.length - failed - results.filter((r) => r.outcome === "skipped").length} passed, ${failed} failed, ${results.filter((r) => r.outcome === "skipped").length} skipped`);
  return failed === 0 ? 0 : 1;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "help") {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  if (command === "monitor") return monitor(rest);
  if (command === "calibration") return calibration(rest);
  if (command === "build") return build(rest);
  if (command === "hil") return hil(rest);
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`aqm: ${error.message}\n\n${HELP}\n`);
      process.exit(2);
    }
    process.stderr.write(`aqm: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
