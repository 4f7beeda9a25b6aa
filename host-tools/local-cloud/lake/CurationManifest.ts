import { mkdir } from "node:fs/promises";
import path from "node:path";
import { jsonRecordOf, readTextIfPresent } from "./BookkeepingText.ts";
import { replaceFileDurably } from "./DurableFiles.ts";

/** What the curator did with one raw object. Its records = curated + duplicates + quarantined. */
export interface CuratedObject {
  readonly key: string;
  readonly bytes: number;
  readonly lines: number;
  /** Readings in the object's lines: one per line, or per element of a batch line. */
  readonly records: number;
  readonly curated: number;
  /** Copies of a reading already kept: earlier in this run or by an earlier run. */
  readonly duplicates: number;
  readonly quarantined: number;
  readonly run: string;
}

export class ManifestError extends Error {}

/**
 * The record of raw objects already curated, one JSON line per object, in the lake itself so that
 * it travels with the data. Raw objects never change once written, so the key is enough to know
 * an object was processed. Rewritten whole (written beside, then renamed) so a crash leaves
 * either the old or the new manifest, never half of one.
 */
export class CurationManifest {
  readonly #file: string;
  readonly #entries = new Map<string, CuratedObject>();

  private constructor(file: string) {
    this.#file = file;
  }

  static async load(file: string): Promise<CurationManifest> {
    const manifest = new CurationManifest(file);
    const text = await readTextIfPresent(file);
    if (text === undefined) return manifest;
    text.split("\n").forEach((line, i) => {
      if (line === "") return;
      const entry = parseEntry(line);
      if (!entry)
        throw new ManifestError(
          `${file}:${i + 1}: not a curated-object entry (key, bytes, lines, records, curated, duplicates, quarantined, run): ${line.slice(0, 120)}`,
        );
      manifest.#entries.set(entry.key, entry);
    });
    return manifest;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  get entries(): readonly CuratedObject[] {
    return [...this.#entries.values()];
  }

  async record(objects: readonly CuratedObject[]): Promise<void> {
    for (const o of objects) this.#entries.set(o.key, o);
    await mkdir(path.dirname(this.#file), { recursive: true });
    await replaceFileDurably(this.#file, this.entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
  }
}

function parseEntry(line: string): CuratedObject | undefined {
  const e = jsonRecordOf(line);
  if (e === undefined) return undefined;
  const counts = ["bytes", "lines", "curated", "duplicates", "quarantined"] as const;
  if (
    typeof e.key !== "string" ||
    typeof e.run !== "string" ||
    !counts.every((c) => Number.isInteger(e[c])) ||
    !(e.records === undefined || Number.isInteger(e.records))
  )
    return undefined;
  // Manifests written before batch lines existed have no records: each line was one reading.
  return {
    key: e.key,
    bytes: e.bytes as number,
    lines: e.lines as number,
    records: (e.records ?? e.lines) as number,
    curated: e.curated as number,
    duplicates: e.duplicates as number,
    quarantined: e.quarantined as number,
    run: e.run,
  };
}
