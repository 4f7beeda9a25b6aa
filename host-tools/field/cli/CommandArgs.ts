/** A command line that does not fit its command's usage: exit code 2, with the reason and the usage. */
export class UsageError extends Error {}

/**
 * A command's arguments read front to back: `for (const arg of args)` walks them, and an option's
 * value is taken from the same walk, so that the loop goes on after the value.
 */
export class CommandArgs implements Iterable<string> {
  readonly #args: readonly string[];
  #next = 0;

  constructor(args: readonly string[]) {
    this.#args = args;
  }

  *[Symbol.iterator](): Iterator<string> {
    while (this.#next < this.#args.length) yield this.#args[this.#next++]!;
  }

  /** The next argument whatever it looks like, or undefined after the last. */
  take(): string | undefined {
    return this.#args[this.#next++];
  }

  /** The value of `option`: the next argument, which must be there and not be an option itself. */
  optionValue(option: string): string {
    const value = this.take();
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${option} needs a value`);
    return value;
  }

  /** The value of `option` as a number that `accepts` takes, which `what` describes ("a number above 0"). */
  numberValue(option: string, what: string, accepts: (n: number) => boolean): number {
    const value = this.optionValue(option);
    const n = Number(value);
    if (!accepts(n)) throw new UsageError(`${option} must be ${what}, not "${value}"`);
    return n;
  }
}
