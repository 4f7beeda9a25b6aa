import type { ConsoleLink } from "./ConsoleLink.ts";

export type ConsoleReply = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly code: string; readonly message: string };

/** The board answered ERR: `code` is the console's error code (docs/serial-console.md). */
export class ConsoleRefused extends Error {
  readonly code: string;
  readonly command: string;

  constructor(command: string, code: string, message: string) {
    super(`the board refused ${command}: ${code} ${message}`);
    this.code = code;
    this.command = command;
  }
}

const CTRL_C = 0x03;

/**
 * The host's side of the board's serial console protocol: one line out, one `OK …` or
 * `ERR <code> …` line back. Log lines on the same UART (they start with a timestamp) are passed
 * to `onLog` and never taken for replies. Commands go one at a time, each waiting for its reply,
 * which is also the flow control a small UART receive buffer needs.
 */
export class ConsoleClient {
  readonly #link: ConsoleLink;
  readonly #timeoutMs: number;
  readonly #onLog: (line: string) => void;
  readonly #stop: () => void;
  #partial = "";
  #waiting: { resolve: (reply: ConsoleReply) => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;
  /** Replies nobody asked for yet (they arrived while nothing waited, e.g. before the handshake). */
  #unclaimed: ConsoleReply[] = [];

  constructor(link: ConsoleLink, options: { timeoutMs?: number; onLog?: (line: string) => void } = {}) {
    this.#link = link;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#onLog = options.onLog ?? (() => {});
    this.#stop = link.onData((bytes) => this.#data(bytes));
  }

  /**
   * Gets the console to a known state: Ctrl-C drops any half-typed line, and replies still in
   * flight are discarded up to the answer to `version`, which is returned.
   */
  async handshake(): Promise<string> {
    this.#unclaimed = [];
    this.#link.write(Uint8Array.of(CTRL_C));
    const expected = "version";
    this.#send("version");
    for (;;) {
      const reply = await this.#next("version");
      if (reply.ok && reply.text.startsWith(expected)) return reply.text;
    }
  }

  /** Sends one line and returns the reply's text after `OK `; an ERR reply throws ConsoleRefused. */
  async command(line: string, shownAs = line.split(" ")[0] ?? line): Promise<string> {
    if (/[\r\n]/.test(line)) throw new Error("a console command is one line");
    this.#send(line);
    const reply = await this.#next(shownAs);
    if (!reply.ok) throw new ConsoleRefused(shownAs, reply.code, reply.message);
    return reply.text;
  }

  /** Installs a PEM block into a TLS slot, line by line; returns the final reply's text. */
  async installPem(slot: "ca" | "cert" | "key", pem: string): Promise<string> {
    await this.command(`tls ${slot}`);
    const lines = pem
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "");
    let last = "";
    // Body lines are never named in errors: for the key they are the secret.
    for (const line of lines) last = await this.command(line, `tls ${slot} PEM line`);
    return last;
  }

  close(): void {
    this.#stop();
    if (this.#waiting) {
      clearTimeout(this.#waiting.timer);
      this.#waiting.reject(new Error("console closed"));
      this.#waiting = undefined;
    }
  }

  #send(line: string): void {
    this.#link.write(new TextEncoder().encode(`${line}\n`));
  }

  #next(what: string): Promise<ConsoleReply> {
    const queued = this.#unclaimed.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`no reply from the board to ${what} within ${this.#timeoutMs / 1000} s (is the console on this port?)`));
      }, this.#timeoutMs);
      this.#waiting = { resolve, reject, timer };
    });
  }

  #data(bytes: Uint8Array): void {
    this.#partial += String.fromCharCode(...bytes);
    const lines = this.#partial.split(/\r?\n/);
    this.#partial = lines.pop() ?? "";
    for (const line of lines) {
      const reply = parseReply(line);
      if (!reply) {
        if (line !== "") this.#onLog(line);
        continue;
      }
      const waiting = this.#waiting;
      if (waiting) {
        this.#waiting = undefined;
        clearTimeout(waiting.timer);
        waiting.resolve(reply);
      } else this.#unclaimed.push(reply);
    }
  }
}

function parseReply(line: string): ConsoleReply | undefined {
  if (line === "OK" || line.startsWith("OK ")) return { ok: true, text: line.slice(3) };
  const error = /^ERR (\S+) ?(.*)$/.exec(line);
  return error ? { ok: false, code: error[1]!, message: error[2]! } : undefined;
}
