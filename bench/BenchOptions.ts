import { parseArgs } from "node:util";

/** A benchmark's options: each a string with its default, the text `--help` prints. */
export type BenchOptionDefaults = Readonly<Record<string, string | undefined>>;

/**
 * Reads a benchmark's command line the same way for every bench: `--help` prints the help and
 * exits 0; an unknown option or a value that is not a number (0 or more) prints what was wrong and
 * the help, and exits 2. An option whose default is undefined is optional and stays undefined.
 */
export function benchOptions<T extends BenchOptionDefaults>(help: string, defaults: T): { [K in keyof T]: T[K] extends string ? number : number | undefined } {
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n\n${help}\n`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | undefined> = {};
  try {
    ({ values } = parseArgs({
      options: {
        ...Object.fromEntries(
          Object.entries(defaults).map(([name, fallback]) => [
            name,
            fallback === undefined ? { type: "string" as const } : { type: "string" as const, default: fallback },
          ]),
        ),
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${help}\n`);
    process.exit(0);
  }
  const numbers: Record<string, number | undefined> = {};
  for (const name of Object.keys(defaults)) {
    const text = values[name];
    if (typeof text !== "string") continue;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0) fail(`--${name} must be a number, 0 or more, not "${text}"`);
    numbers[name] = value;
  }
  return numbers as { [K in keyof T]: T[K] extends string ? number : number | undefined };
}
