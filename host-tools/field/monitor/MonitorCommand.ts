import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { EXIT, type CliCommand, type CommandIo, type ExitCode } from "../cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../cli/CommandArgs.ts";
import { explainLogLine } from "./LogExplainer.ts";

/** `aqm monitor`: exit code 0 at the end of the log, 2 bad usage. */
export const MONITOR_COMMAND: CliCommand = {
  name: "monitor",
  summary: "explain a board's serial log: levels in colour, event codes and LED states in words",
  usage: `  aqm monitor [FILE|-] [--save FILE] [--no-colour]
      Read a board's serial log (a file such as state/boards/<thing>/serial.log, or standard input),
      colour it by level, and explain every event code and LED state in words. --save also writes
      the raw lines to FILE.`,
  usageErrorPrefix: "aqm",
  run: monitor,
};

async function monitor(argv: readonly string[], io: CommandIo): Promise<ExitCode> {
  let source = "-";
  let save: string | undefined;
  let colour = io.isTTY;
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--save") {
      save = args.take();
      if (!save) throw new UsageError("--save needs a file name");
    } else if (arg === "--no-colour") colour = false;
    else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg} for aqm monitor`);
    else source = arg;
  }
  const input = source === "-" ? io.stdin : createReadStream(source);
  const copy = save ? createWriteStream(save, { flags: "a" }) : undefined;
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    copy?.write(`${line}\n`);
    io.stdout(`${explainLogLine(line, colour)}\n`);
  }
  await new Promise<void>((resolve) => (copy ? copy.end(resolve) : resolve()));
  return EXIT.done;
}
