#!/usr/bin/env -S node --import tsx
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { explainLogLine } from "../monitor/LogExplainer.ts";

const HELP = `aqm: tools for aqm boards

Usage:
  aqm monitor [FILE|-] [--save FILE] [--no-colour]
      Read a board's serial log (a file such as state/boards/<thing>/serial.log, or standard input),
      colour it by level, and explain every event code and LED state in words. --save also writes
      the raw lines to FILE.
  aqm --help

Exit codes: 0 done, 1 failed, 2 bad usage.`;

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

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "help") {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  if (command === "monitor") return monitor(rest);
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
