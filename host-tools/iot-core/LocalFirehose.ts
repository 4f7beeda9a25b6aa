import { randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export interface LocalFirehoseOptions {
  readonly lakeDir: string;
  /** S3 prefix under the lake, as the delivery stream's prefix ("raw/"). */
  readonly prefix?: string;
  readonly streamName?: string;
  /** Firehose's buffering hints: flush when this many bytes are buffered… */
  readonly bufferBytes?: number;
  /** …or when the oldest buffered record is this old. */
  readonly bufferMs?: number;
  readonly now?: () => number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `YYYY/MM/DD/HH/` and `YYYY-MM-DD-HH-MM-SS` in UTC, as Firehose names its S3 objects. */
export function firehoseKey(prefix: string, streamName: string, epochMs: number, uuid: string): string {
  const d = new Date(epochMs);
  const [y, mo, da, h, mi, s] = [d.getUTCFullYear(), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()), pad(d.getUTCHours()), pad(d.getUTCMinutes()), pad(d.getUTCSeconds())];
  return `${prefix}${y}/${mo}/${da}/${h}/${streamName}-1-${y}-${mo}-${da}-${h}-${mi}-${s}-${uuid}`;
}

export class RecordRejected extends Error {}

/**
 * A local stand-in for Kinesis Data Firehose delivering to S3: buffers records by size and by
 * age, then writes one object of newline-delimited JSON under Firehose's time-based key layout
 * (UTC hour of the oldest record). Objects appear atomically (written aside, then renamed), so a
 * reader never sees half of one; `close()` writes out everything still buffered.
 */
export class LocalFirehose {
  readonly #lakeDir: string;
  readonly #prefix: string;
  readonly #stream: string;
  readonly #bufferBytes: number;
  readonly #bufferMs: number;
  readonly #now: () => number;
  #buffer: string[] = [];
  #bufferedBytes = 0;
  #oldest = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  recordsWritten = 0;
  objectsWritten = 0;
  rejected = 0;

  constructor(options: LocalFirehoseOptions) {
    this.#lakeDir = options.lakeDir;
    this.#prefix = options.prefix ?? "raw/";
    this.#stream = options.streamName ?? "aqm-telemetry";
    this.#bufferBytes = options.bufferBytes ?? 5 * 1024 * 1024;
    this.#bufferMs = options.bufferMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one JSON document. A record that is not one JSON document on one line is refused with the reason, and counted. */
  put(record: Uint8Array | string): void {
    const text = typeof record === "string" ? record : Buffer.from(record).toString("utf8");
    try {
      if (text.includes("\n")) throw new RecordRejected("record contains a newline; each record must be one line of JSON");
      try {
        JSON.parse(text);
      } catch (error) {
        throw new RecordRejected(`record is not valid JSON (${(error as Error).message}): ${JSON.stringify(text.slice(0, 80))}`);
      }
    } catch (error) {
      this.rejected++;
      throw error;
    }
    if (this.#buffer.length === 0) {
      this.#oldest = this.#now();
      this.#timer = setTimeout(() => void this.flush(), this.#bufferMs);
    }
    this.#buffer.push(text);
    this.#bufferedBytes += Buffer.byteLength(text) + 1;
    if (this.#bufferedBytes >= this.#bufferBytes) void this.flush();
  }

  /** Writes what is buffered as one object; resolves once it (and every earlier one) is on disk. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer.length > 0) {
      const records = this.#buffer;
      const oldest = this.#oldest;
      this.#buffer = [];
      this.#bufferedBytes = 0;
      this.#writing = this.#writing.then(() => this.#write(records, oldest));
    }
    return this.#writing;
  }

  close(): Promise<void> {
    return this.flush();
  }

  async #write(records: string[], oldest: number): Promise<void> {
    const key = firehoseKey(this.#prefix, this.#stream, oldest, randomUUID());
    const file = path.join(this.#lakeDir, ...key.split("/"));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, records.join("\n") + "\n");
    await rename(`${file}.tmp`, file);
    this.recordsWritten += records.length;
    this.objectsWritten++;
  }
}
