import { UsageError } from "./CommandArgs.ts";

export const EXIT = { done: 0, failed: 1, badUsage: 2, missing: 3 } as const;

/** 0 done, 1 failed, 2 bad usage, 3 a required tool or serial port is missing. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CommandIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal, which gets colour and progress bars. */
  readonly isTTY: boolean;
}

export type CommandOutput = Pick<CommandIo, "stdout" | "stderr">;

export const PROCESS_IO: CommandIo = {
  // Only monitor reads standard input; Node creates process.stdin's stream on first use.
  get stdin() {
    return process.stdin;
  },
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
};

/** One `aqm` command; `Io` is the part of {@link CommandIo} it uses, so that tests can hand it just that. */
export interface CliCommand<Io extends CommandOutput = CommandIo> {
  readonly name: string;
  /** One line for `aqm --help`. */
  readonly summary: string;
  /** The synopsis and its explanation, for `aqm NAME --help` and after bad usage. */
  readonly usage: string;
  /**
   * What a bad-usage message starts with: `aqm NAME` where the messages do not name the command,
   * `aqm` where they do ("unknown option --x for aqm etl"); scripts and tests match on either.
   */
  readonly usageErrorPrefix: string;
  /** Throws {@link UsageError} for arguments that do not fit {@link usage}. */
  run(args: readonly string[], io: Io): Promise<ExitCode>;
}

/** Runs `command`, answering `--help` with its usage and turning a {@link UsageError} into exit code 2. */
export async function runCommand<Io extends CommandOutput>(command: CliCommand<Io>, args: readonly string[], io: Io): Promise<ExitCode> {
  if (args.includes("--help")) {
    io.stdout(`${command.usage}\n`);
    return EXIT.done;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${command.usageErrorPrefix}: ${error.message}\n\n${command.usage}\n`);
    return EXIT.badUsage;
  }
}

/** Says why the command failed, `PREFIX: reason`, and gives its exit code. */
export function failed(io: CommandOutput, prefix: string, reason: string): ExitCode {
  io.stderr(`${prefix}: ${reason}\n`);
  return EXIT.failed;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** {@link failed} with `error`'s message if it is one of the failures the command `expects`; any other error goes on up. */
export function failedWith(error: unknown, expects: readonly ErrorClass[], io: CommandOutput, prefix: string): ExitCode {
  if (!(error instanceof Error && expects.some((kind) => error instanceof kind))) throw error;
  return failed(io, prefix, error.message);
}

/** `command` as a function of its arguments, run as aqm runs it (--help and bad usage included). */
export function runnerOf<Io extends CommandOutput>(command: CliCommand<Io>): (args: readonly string[], io: Io) => Promise<ExitCode> {
  return (args, io) => runCommand(command, args, io);
}
