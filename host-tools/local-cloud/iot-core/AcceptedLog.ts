import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";

/** A PUBLISH the core acknowledged, as the log keeps it until the lake holds it. */
export interface AcceptedMessage {
  readonly id: string;
  readonly topic: string;
  readonly clientId: string;
  readonly payload: Uint8Array;
  /** When the core received it, ms since the epoch: the rule's timestamp() when it is replayed. */
  readonly receivedAt: number;
}

interface AcceptedLine {
  readonly a: string;
  readonly t: string;
  readonly c: string;
  readonly p: string;
  readonly r: number;
}

/** Where the local core of a state folder (the twin's, HIL's) keeps its accepted-message log. */
export function acceptedLogFile(stateDir: string): string {
  return path.join(stateDir, "iot-core", "accepted.log");
}

/** Past this size, the log is rewritten with only what the lake does not hold yet. */
const COMPACT_BYTES = 4 * 1024 * 1024;

/**
 * The local core's append-only log of accepted messages: each is written and fsynced before its
 * PUBACK goes out, and marked delivered once the lake holds it, so a crash loses nothing the
 * broker acknowledged; opening the log again returns what is still to be delivered. Writes are
 * grouped: every message that arrives while one fsync runs goes out in the next.
 */
export class AcceptedLog {
  readonly #file: string;
  #handle: FileHandle;
  #size: number;
  /** Lines of messages accepted and not yet delivered, by ID: what a compaction keeps. */
  readonly #undelivered = new Map<string, string>();
  #queue: { line: string; done: () => void; failed: (error: Error) => void }[] = [];
  #committing: Promise<void> | undefined;
  readonly #idPrefix = randomBytes(6).toString("hex");
  #next = 0;

  private constructor(file: string, handle: FileHandle, size: number) {
    this.#file = file;
    this.#handle = handle;
    this.#size = size;
  }

  /** Opens (or creates) the log; `pending`: messages accepted before and not marked delivered, oldest first. */
  static async open(file: string): Promise<{ log: AcceptedLog; pending: AcceptedMessage[] }> {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const pending = new Map<string, { message: AcceptedMessage; line: string }>();
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const lines = text.split("\n");
    // The last line is complete only if the file ends in a newline; a torn one was never fsynced, so never acknowledged.
    lines.pop();
    lines.forEach((line, index) => {
      let entry: Partial<AcceptedLine> & { d?: string[] };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch (error) {
        throw new Error(
          `the IoT Core's accepted-message log ${file} line ${index + 1} is not JSON (${(error as Error).message}); it may hold acknowledged messages, so it is not discarded`,
        );
      }
      if (entry.d) for (const id of entry.d) pending.delete(id);
      else if (typeof entry.a === "string")
        pending.set(entry.a, {
          line,
          message: { id: entry.a, topic: entry.t!, clientId: entry.c!, payload: new Uint8Array(Buffer.from(entry.p!, "base64")), receivedAt: entry.r! },
        });
    });
    const handle = await open(file, "a", 0o600);
    const log = new AcceptedLog(file, handle, Buffer.byteLength(text));
    for (const [id, { line }] of pending) log.#undelivered.set(id, line);
    return { log, pending: [...pending.values()].map(({ message }) => message) };
  }

  /** Messages accepted and not yet marked delivered. */
  get undelivered(): number {
    return this.#undelivered.size;
  }

  /** Writes the message and resolves once it is fsynced: only then may the broker acknowledge it. */
  append(message: Omit<AcceptedMessage, "id">): Promise<string> {
    const id = `${this.#idPrefix}-${this.#next++}`;
    const line = JSON.stringify({
      a: id,
      t: message.topic,
      c: message.clientId,
      p: Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength).toString("base64"),
      r: message.receivedAt,
    } satisfies AcceptedLine);
    this.#undelivered.set(id, line);
    return new Promise((resolve, reject) => {
      this.#queue.push({ line, done: () => resolve(id), failed: reject });
      this.#commit();
    });
  }

  /** The lake holds the message: a replay need not deliver it again. */
  delivered(id: string): void {
    if (!this.#undelivered.delete(id)) return;
    this.#queue.push({ line: JSON.stringify({ d: [id] }), done: () => undefined, failed: () => undefined });
    this.#commit();
  }

  /** Waits for every write asked for, then closes the file. */
  async close(): Promise<void> {
    while (this.#committing) await this.#committing;
    await this.#handle.close();
  }

  #commit(): void {
    if (this.#committing) return;
    this.#committing = (async () => {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        const bytes = Buffer.from(batch.map((entry) => entry.line + "\n").join(""));
        try {
          await this.#handle.write(bytes);
          await this.#handle.sync();
          this.#size += bytes.length;
          if (this.#size > COMPACT_BYTES) await this.#compact();
        } catch (error) {
          const failure = new Error(`could not write the IoT Core's accepted-message log ${this.#file}: ${(error as Error).message}`);
          for (const entry of batch) entry.failed(failure);
          continue;
        }
        for (const entry of batch) entry.done();
      }
      this.#committing = undefined;
    })();
  }

  /** Rewrites the log with only the messages still to be delivered: written beside it, fsynced, then renamed over it. */
  async #compact(): Promise<void> {
    const staging = `${this.#file}.compacting`;
    const text = [...this.#undelivered.values()].map((line) => line + "\n").join("");
    const fd = openSync(staging, "w", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await this.#handle.close();
    renameSync(staging, this.#file);
    const dir = openSync(path.dirname(this.#file), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    this.#handle = await open(this.#file, "a", 0o600);
    this.#size = Buffer.byteLength(text);
  }
}
