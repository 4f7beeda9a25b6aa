import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from "node:fs";
import { parseLogLine, type LogEvent } from "../monitor/LogLineParser.ts";

/** A board log line's event, or undefined for anything else on the port (bootloader noise, console replies). */
function eventOf(line: string): LogEvent | undefined {
  try {
    return parseLogLine(line);
  } catch {
    return undefined;
  }
}

/**
 * Reads a board's serial port line by line (a real /dev/ttyUSB0 or the host end of a
 * pseudo-terminal) and lets a scenario wait for an event code, with the line's fields parsed.
 */
export class SerialLogWatch {
  readonly lines: string[] = [];
  readonly #input: ReadStream;
  readonly #output: WriteStream;
  #partial = "";
  #waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(port: string) {
    this.#input = createReadStream(port);
    this.#output = createWriteStream(port);
    this.#input.on("data", (chunk) => this.#take(chunk.toString()));
    // A pty's reader sees EIO once the other end closes; that is the end of the log, not an error to throw.
    this.#input.on("error", () => {});
    this.#output.on("error", () => {});
  }

  /** Lines are counted from here on by `waitFor(…, { after })`. */
  get mark(): number {
    return this.lines.length;
  }

  /** Parsed events so far, from `after` on. */
  events(after = 0): LogEvent[] {
    return this.lines.slice(after).flatMap((line) => {
      const event = eventOf(line);
      return event ? [event] : [];
    });
  }

  /** The first line from `after` on that has the event code (and matches `fields`, if given). */
  waitFor(code: string, options: { after?: number; timeoutMs: number; fields?: Readonly<Record<string, string>> }): Promise<LogEvent> {
    const matches = (line: string): boolean => {
      const event = eventOf(line);
      return !!event && event.code === code && Object.entries(options.fields ?? {}).every(([key, value]) => String(event.fields[key]) === value);
    };
    const found = this.lines.slice(options.after ?? 0).find(matches);
    if (found) return Promise.resolve(eventOf(found)!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${code}${options.fields ? ` with ${JSON.stringify(options.fields)}` : ""} on the serial log within ${options.timeoutMs} ms; last lines:\n${this.lines.slice(-8).join("\n")}`));
      }, options.timeoutMs);
      const waiter = {
        test: matches,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(eventOf(line)!);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  write(text: string): void {
    this.#output.write(text);
  }

  close(): void {
    this.#input.destroy();
    this.#output.destroy();
  }

  #take(text: string): void {
    const parts = (this.#partial + text).split(/\r?\n/);
    this.#partial = parts.pop() ?? "";
    for (const line of parts) {
      this.lines.push(line);
      for (const waiter of this.#waiters.filter((w) => w.test(line))) {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        waiter.resolve(line);
      }
    }
  }
}
