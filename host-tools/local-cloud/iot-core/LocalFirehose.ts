import { randomUUID } from "node:crypto";
import { mkdir, open, rename } from "node:fs/promises";
import path from "node:path";
import { renderFirehosePrefix } from "./FirehosePrefix.ts";

/**
 * The telemetry delivery stream's name in the local lake's object keys. The cloud stack lets
 * CloudFormation name its stream, so this is the one home of the name; the lake's keys start with it.
 */
export const TELEMETRY_STREAM_NAME = "aqm-telemetry";

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

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * An object's key as Firehose names it: the prefix (its `!{timestamp:…}` expressions filled in;
 * a prefix without any gets Firehose's default `YYYY/MM/DD/HH/`), then
 * `<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>`, all in UTC.
 */
export function firehoseKey(prefix: string, streamName: string, epochMs: number, uuid: string): string {
  const d = new Date(epochMs);
  const [y, mo, da, h, mi, s] = [
    d.getUTCFullYear(),
    pad(d.getUTCMonth() + 1),
    pad(d.getUTCDate()),
    pad(d.getUTCHours()),
    pad(d.getUTCMinutes()),
    pad(d.getUTCSeconds()),
  ];
  const folder = prefix.includes("!{") ? renderFirehosePrefix(prefix, epochMs) : `${prefix}${y}/${mo}/${da}/${h}/`;
  return `${folder}${streamName}-1-${y}-${mo}-${da}-${h}-${mi}-${s}-${uuid}`;
}

export class RecordRejected extends Error {}

/** A record waiting in the buffer, and who to tell once the object holding it is on disk. */
interface BufferedRecord {
  readonly text: string;
  readonly written?: () => void;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The record as one line of JSON text, or RecordRejected saying why it is not one. */
function recordText(record: Uint8Array | string): string {
  let text: string;
  try {
    text = typeof record === "string" ? record : utf8.decode(record);
  } catch {
    throw new RecordRejected(`record of ${record.length} bytes is not UTF-8 text`);
  }
  if (text.includes("\n")) throw new RecordRejected(`record contains a newline; each record must be one line of JSON: ${JSON.stringify(text.slice(0, 80))}`);
  try {
    JSON.parse(text);
  } catch (error) {
    throw new RecordRejected(`record is not valid JSON (${(error as Error).message}): ${JSON.stringify(text.slice(0, 80))}`);
  }
  return text;
}

/**
 * A local stand-in for Kinesis Data Firehose delivering to S3: buffers records by size and by
 * age, then writes one object of newline-delimited JSON under Firehose's time-based key layout
 * (UTC time of the oldest record). Objects appear atomically (written to a hidden file beside
 * them, then renamed), so a reader never sees half of one. Nothing accepted is dropped: records
 * whose object could not be written stay buffered, and the next `flush()` or `close()` reports
 * the failure and tries them again.
 */
export class LocalFirehose {
  readonly #lakeDir: string;
  readonly #prefix: string;
  readonly #stream: string;
  readonly #bufferBytes: number;
  readonly #bufferMs: number;
  readonly #now: () => number;
  #buffer: BufferedRecord[] = [];
  #bufferedBytes = 0;
  #oldest = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Every object write, in order; it never rejects: a failure is kept in `#failure` instead. */
  #writing: Promise<void> = Promise.resolve();
  /** Why records are back in the buffer after a failed write; cleared when they go out again. */
  #failure: Error | undefined;
  #closed = false;
  #recordsWritten = 0;
  #objectsWritten = 0;
  #rejected = 0;

  constructor(options: LocalFirehoseOptions) {
    this.#lakeDir = options.lakeDir;
    this.#prefix = options.prefix ?? "raw/";
    this.#stream = options.streamName ?? TELEMETRY_STREAM_NAME;
    this.#bufferBytes = options.bufferBytes ?? 5 * 1024 * 1024;
    this.#bufferMs = options.bufferMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  get recordsWritten(): number {
    return this.#recordsWritten;
  }

  get objectsWritten(): number {
    return this.#objectsWritten;
  }

  /** Records refused by `put` as not being one line of JSON. */
  get rejected(): number {
    return this.#rejected;
  }

  /**
   * Takes one JSON document; `written` is called once the object holding it is durably on disk.
   * A record that is not one JSON document on one line is refused with the reason (RecordRejected), and counted.
   */
  put(record: Uint8Array | string, written?: () => void): void {
    if (this.#closed) throw new Error(`the local Firehose for ${this.#stream} is closed; it takes no more records`);
    let text: string;
    try {
      text = recordText(record);
    } catch (error) {
      this.#rejected++;
      throw error;
    }
    this.#keep([written ? { text, written } : { text }], this.#now());
    if (this.#bufferedBytes >= this.#bufferBytes) this.#startWrite();
  }

  /** Writes what is buffered as one object; resolves once it (and every earlier one) is on disk, or rejects saying why some records are still buffered. */
  async flush(): Promise<void> {
    this.#startWrite();
    await this.#writing;
    if (this.#failure) throw this.#failure;
  }

  /** Writes out everything still buffered; takes no records after. Rejects if that write fails, and can be called again to retry. */
  close(): Promise<void> {
    this.#closed = true;
    return this.flush();
  }

  #keep(records: BufferedRecord[], oldest: number): void {
    this.#oldest = this.#buffer.length === 0 ? oldest : Math.min(this.#oldest, oldest);
    this.#buffer.push(...records);
    for (const record of records) this.#bufferedBytes += Buffer.byteLength(record.text) + 1;
    if (this.#timer === undefined && !this.#closed) this.#timer = setTimeout(() => this.#startWrite(), this.#bufferMs);
  }

  #startWrite(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer.length === 0) return;
    const records = this.#buffer;
    const oldest = this.#oldest;
    this.#buffer = [];
    this.#bufferedBytes = 0;
    this.#failure = undefined;
    this.#writing = this.#writing.then(() => this.#write(records, oldest));
  }

  async #write(records: BufferedRecord[], oldest: number): Promise<void> {
    const file = path.join(this.#lakeDir, ...firehoseKey(this.#prefix, this.#stream, oldest, randomUUID()).split("/"));
    // Hidden, as readers of a lake (Athena, Glue, Spark) skip files whose names start with a dot.
    const staging = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      // fsynced before the rename and the folder after it, so a record reported written survives a crash of the machine too.
      const handle = await open(staging, "w");
      try {
        await handle.writeFile(records.map((record) => record.text).join("\n") + "\n");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(staging, file);
      const folder = await open(path.dirname(file), "r");
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    } catch (error) {
      this.#failure = new Error(
        `could not write ${records.length} record${records.length === 1 ? "" : "s"} to ${file} (${(error as Error).message}); they stay buffered for the next flush`,
      );
      this.#keep(records, oldest);
      return;
    }
    this.#recordsWritten += records.length;
    this.#objectsWritten++;
    for (const record of records) record.written?.();
  }
}
