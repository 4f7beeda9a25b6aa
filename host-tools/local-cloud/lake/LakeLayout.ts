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

  /**
   * Where a curation writes its Parquet and quarantine files before moving each whole file into
   * the lake: a run that dies mid-write leaves its half file here, not where readers look.
   */
  get stagingDir(): string {
    return path.join(this.lakeDir, "_staging");
  }

  get lockFile(): string {
    return path.join(this.lakeDir, "_manifest", "curator.lock");
  }

  get compactionJournalFile(): string {
    return path.join(this.lakeDir, "_manifest", "compaction-journal.json");
  }

  /**
   * Glob of every curated Parquet file, for readers outside this package (the DuckDB CLI, tests).
   * While a compaction runs it may match a partition's merged file and its inputs at once; the
   * lake's own readers list files with `visibleCuratedFiles`, which never does.
   */
  get curatedGlob(): string {
    return path.join(this.curatedDir, "**", "*.parquet");
  }

  /** Every curated Parquet file on disk (a compaction's staging file is not one), by path. */
  async curatedParquetFiles(): Promise<string[]> {
    return (await pathsUnder(this.curatedDir)).filter((f) => f.endsWith(".parquet")).sort();
  }

  /** The (date, thing) partition a curated file is in, as its folder under curated/: `date=YYYY-MM-DD/thing=NAME`. */
  partitionOf(file: string): string {
    return path.relative(this.curatedDir, path.dirname(file)).split(path.sep).join("/");
  }

  partitionDir(partition: string): string {
    return path.join(this.curatedDir, ...partition.split("/"));
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
    return (await filesUnder(this.rawDir))
      .map((f) => ({ key: this.keyOf(f.file), bytes: f.bytes }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Every file below `dir`, by path (hidden ones left out). */
  async filesBelow(dir: string): Promise<string[]> {
    return pathsUnder(dir);
  }

  async hasQuarantineFiles(): Promise<boolean> {
    return (await pathsUnder(this.quarantineDir)).some((f) => f.endsWith(".json"));
  }
}

/** The lake of a state folder (the twin's `--state`, default `state`). */
export function lakeDirOf(stateDir: string): string {
  return path.join(stateDir, "lake");
}

/** Whether `key` names a curated (date, thing) partition folder: `date=YYYY-MM-DD/thing=NAME`. */
export function isCuratedPartition(key: string): boolean {
  return /^date=[^/\\]+\/thing=[^/\\]+$/.test(key);
}

/** The `YYYY-MM-DD` of a partition folder `date=YYYY-MM-DD/thing=NAME`; empty for a folder that is not one. */
export function dateOfPartition(partition: string): string {
  return /^date=([^/]+)\//.exec(partition)?.[1] ?? "";
}

export interface RawObject {
  readonly key: string;
  readonly bytes: number;
}

async function filesUnder(dir: string): Promise<{ file: string; bytes: number }[]> {
  return Promise.all((await pathsUnder(dir)).map(async (file) => ({ file, bytes: (await stat(file)).size })));
}

/** Files below `dir`, hidden ones (a leading `.`) left out; no stat, so a file deleted meanwhile costs nothing. */
async function pathsUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return entries.filter((e) => e.isFile() && !e.name.startsWith(".")).map((e) => path.join(e.parentPath, e.name));
}
