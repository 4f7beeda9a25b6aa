import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Where things live in a local lake (`<state>/lake`), with the cloud's prefixes: raw objects as the
 * local Firehose writes them, curated Parquet in Hive partitions, quarantine, and the curator's
 * manifest under a `_`-prefixed folder, which lake readers (Spark, Athena, DuckDB globs of
 * `*.parquet`) skip.
 */
export class LakeLayout {
  constructor(readonly lakeDir: string) {}

  get rawDir(): string {
    return path.join(this.lakeDir, "raw");
  }

  get curatedDir(): string {
    return path.join(this.lakeDir, "curated");
  }

  get quarantineDir(): string {
    return path.join(this.lakeDir, "quarantine");
  }

  get manifestFile(): string {
    return path.join(this.lakeDir, "_manifest", "curated-objects.jsonl");
  }

  get lockFile(): string {
    return path.join(this.lakeDir, "_manifest", "curator.lock");
  }

  /** Glob of every curated Parquet file, for DuckDB's read_parquet. */
  get curatedGlob(): string {
    return path.join(this.curatedDir, "**", "*.parquet");
  }

  /** Glob of every quarantine file, for DuckDB's read_json. */
  get quarantineGlob(): string {
    return path.join(this.quarantineDir, "**", "*.json");
  }

  /** The object key of a file in the lake: its path from the lake's root, with `/`, as in S3. */
  keyOf(file: string): string {
    return path.relative(this.lakeDir, file).split(path.sep).join("/");
  }

  fileOf(key: string): string {
    return path.join(this.lakeDir, ...key.split("/"));
  }

  /** Every complete raw object (Firehose's hidden staging files are not), by key, with its size. */
  async rawObjects(): Promise<RawObject[]> {
    return (await filesUnder(this.rawDir)).map((f) => ({ key: this.keyOf(f.file), bytes: f.bytes })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async hasCuratedFiles(): Promise<boolean> {
    return (await filesUnder(this.curatedDir)).some((f) => f.file.endsWith(".parquet"));
  }

  async hasQuarantineFiles(): Promise<boolean> {
    return (await filesUnder(this.quarantineDir)).some((f) => f.file.endsWith(".json"));
  }
}

export interface RawObject {
  readonly key: string;
  readonly bytes: number;
}

async function filesUnder(dir: string): Promise<{ file: string; bytes: number }[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith(".")).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.map(async (file) => ({ file, bytes: (await stat(file)).size })));
}
