import type { ConsoleLink } from "../provision/ConsoleLink.ts";
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
 * A board's serial port read line by line (a real /dev/ttyUSB0 or the host end of a
 * pseudo-terminal), through the link the console client listens to as well: every line the board
 * printed, its log and its console's replies alike, and a wait for an event code with the line's
 * fields parsed.
 */
export class SerialLogWatch {
  readonly lines: string[] = [];
  readonly #stop: () => void;
  readonly #decoder = new TextDecoder();
  #partial = "";
  #waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(port: Pick<ConsoleLink, "onData">) {
    this.#stop = port.onData((bytes) => this.#take(this.#decoder.decode(bytes, { stream: true })));
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
        reject(
          new Error(
            `no ${code}${options.fields ? ` with ${JSON.stringify(options.fields)}` : ""} on the serial log within ${options.timeoutMs} ms; last lines:\n${this.lines.slice(-8).join("\n")}`,
          ),
        );
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

  close(): void {
    this.#stop();
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
