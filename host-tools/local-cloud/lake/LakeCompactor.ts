import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { access, rm } from "node:fs/promises";
import path from "node:path";
import { readCompactionJournal, writeCompactionJournal, type PendingCompaction } from "./CompactionJournal.ts";
import { sqlString } from "./DuckDbDialect.ts";
import { renameDurably, syncDir, syncFile } from "./DurableFiles.ts";
import { isCuratedPartition, LakeLayout } from "./LakeLayout.ts";
import { lockLake } from "./LakeLock.ts";
import { newRunId } from "./RunId.ts";

/**
 * A partition holding more files than this is merged. The main job curates every minute, so a
 * board's day partition reaches it about every quarter of an hour; merging a day of one board
 * (1,440 readings at 60 s) takes milliseconds, and a query then opens at most this many files
 * plus one per (date, thing).
 */
export const DEFAULT_MAX_FILES_PER_PARTITION = 16;

/** The steps of one partition's compaction, in order; `input-deleted` comes once per input. */
export const COMPACTION_STEPS = ["journaled", "merged", "verified", "published", "committed", "input-deleted", "cleared"] as const;
export type CompactionStep = (typeof COMPACTION_STEPS)[number];

/** Where a partition's compaction is, for `afterStep`. */
export interface CompactionStepContext {
  readonly partition: string;
  /** The merged file while it is written and checked: hidden (a leading `.`) and not `*.parquet`. */
  readonly stagedFile: string;
  readonly outputFile: string;
}

export interface LakeCompactorOptions {
  /** The lake: `<state>/lake`. */
  readonly lakeDir: string;
  /** A partition holding more Parquet files than this is merged into one. @default 16 */
  readonly maxFilesPerPartition?: number;
  /**
   * No partition is started once this much time has passed (at least one always is); the others
   * wait for the next run. The main job sets it so that compaction never holds up curation long.
   * @default no limit
   */
  readonly budgetMs?: number;
  /** Called after each step; a test throws from it to stand in for a crash at that point. */
  readonly afterStep?: (step: CompactionStep, at: CompactionStepContext) => void | Promise<void>;
}

export interface PartitionCompaction {
  readonly partition: string;
  /** Files merged; afterwards the partition holds one. */
  readonly files: number;
  readonly rows: number;
}

export interface CompactionReport {
  readonly run: string;
  readonly maxFilesPerPartition: number;
  /** A compaction interrupted earlier (a crash) that this run finished (`completed`) or rolled back (`undone`). */
  readonly recovered: { readonly partition: string; readonly outcome: "completed" | "undone" } | null;
  /** The partitions merged by this run, most files first. */
  readonly partitions: readonly PartitionCompaction[];
  readonly filesBefore: number;
  readonly filesAfter: number;
  readonly rows: number;
  /** Partitions over the limit left for the next run because the time budget was spent. */
  readonly deferred: number;
}

/** A merged file that does not hold exactly its inputs' rows, or inputs that cannot be merged: nothing of the partition was deleted. */
export class CompactionMismatch extends Error {}

interface Content {
  readonly rows: number;
  /** Sum of the rows' hashes: independent of row order, changed by any value, a lost row or a doubled one. */
  readonly checksum: string;
}

/**
 * Merges the curated Parquet files of each (date, thing) partition holding more than
 * `maxFilesPerPartition` into one zstd file with the same rows, columns and types, sorted by
 * reading time (`ts`, then boot and seq). Holds the curator's lock, so curation and compaction
 * never overlap. Curated files are not named anywhere else (the curation manifest records raw
 * objects, and each row keeps its `source_file` and `line_number`), and the curator's check
 * against readings kept earlier reads whatever files hold them, so merging changes neither.
 *
 * Order of a partition's compaction, each step durable before the next, with what a reader of
 * `visibleCuratedFiles` sees and what the next run does after a crash there:
 *  1. Journal `merging` (inputs, output name, their rows and checksum).   reader: the inputs
 *  2. Merge the inputs into a staged file `.compacted-RUN.parquet.tmp`.  reader: the inputs
 *  3. Check the staged file: same columns and types, rows and checksum. A mismatch deletes the
 *     staged file and clears the journal, keeping the inputs, and refuses with the partition.
 *  4. Rename it to `compacted-RUN.parquet` in the partition.              reader: the inputs
 *     (a crash up to here: the next run deletes the staged or merged file; the inputs stay)
 *  5. Journal `committed`.                                               reader: the merged file
 *  6. Delete the inputs.                                                 reader: the merged file
 *  7. Journal cleared.                                                   reader: the merged file
 *     (a crash from 5 on: the next run checks the merged file against the journal's rows and
 *     checksum, then deletes the inputs left)
 * A reader that globs the curated folder itself, without the journal, sees the partition twice
 * from 4 to 6.
 */
export class LakeCompactor {
  readonly #layout: LakeLayout;
  readonly #maxFiles: number;
  readonly #budgetMs: number | undefined;
  readonly #afterStep: LakeCompactorOptions["afterStep"];
  #generation = 0;

  constructor(options: LakeCompactorOptions) {
    const maxFiles = options.maxFilesPerPartition ?? DEFAULT_MAX_FILES_PER_PARTITION;
    if (!(Number.isInteger(maxFiles) && maxFiles >= 1))
      throw new RangeError(`the files per partition before compaction must be a whole number of at least 1, got ${maxFiles}`);
    this.#layout = new LakeLayout(options.lakeDir);
    this.#maxFiles = maxFiles;
    this.#budgetMs = options.budgetMs;
    this.#afterStep = options.afterStep;
  }

  async compact(): Promise<CompactionReport> {
    const started = performance.now();
    const run = newRunId();
    const release = await lockLake(this.#layout.lockFile, "compaction");
    try {
      const journal = await readCompactionJournal(this.#layout.compactionJournalFile);
      this.#generation = journal.generation;
      let recovered: CompactionReport["recovered"] = null;
      const partitions: PartitionCompaction[] = [];
      let deferred = 0;
      if (journal.pending || (await this.#partitionsOverLimit()).length > 0) {
        const instance = await DuckDBInstance.create(":memory:");
        const db = await instance.connect();
        try {
          if (journal.pending) recovered = { partition: journal.pending.partition, outcome: await this.#recover(db, journal.pending) };
          const due = await this.#partitionsOverLimit();
          for (const [i, { partition, files }] of due.entries()) {
            if (this.#budgetMs !== undefined && i > 0 && performance.now() - started >= this.#budgetMs) {
              deferred = due.length - i;
              break;
            }
            partitions.push(await this.#compactPartition(db, run, partition, files));
          }
        } finally {
          db.closeSync();
          instance.closeSync();
        }
      }
      return {
        run,
        maxFilesPerPartition: this.#maxFiles,
        recovered,
        partitions,
        deferred,
        filesBefore: partitions.reduce((n, p) => n + p.files, 0),
        filesAfter: partitions.length,
        rows: partitions.reduce((n, p) => n + p.rows, 0),
      };
    } finally {
      await release();
    }
  }

  /** Partitions holding more files than the limit, most files first, with their files' names. */
  async #partitionsOverLimit(): Promise<{ partition: string; files: string[] }[]> {
    const byPartition = new Map<string, string[]>();
    for (const file of await this.#layout.curatedParquetFiles()) {
      const partition = this.#layout.partitionOf(file);
      if (!isCuratedPartition(partition)) continue;
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), path.basename(file)]);
    }
    return [...byPartition]
      .filter(([, files]) => files.length > this.#maxFiles)
      .map(([partition, files]) => ({ partition, files }))
      .sort((a, b) => b.files.length - a.files.length || (a.partition < b.partition ? -1 : 1));
  }

  async #compactPartition(db: DuckDBConnection, run: string, partition: string, inputNames: readonly string[]): Promise<PartitionCompaction> {
    const dir = this.#layout.partitionDir(partition);
    const inputs = inputNames.map((name) => path.join(dir, name));
    const columns = await columnsOf(db, inputs, partition);
    const expected = await contentOf(db, inputs);
    const output = `compacted-${run}.parquet`;
    const at: CompactionStepContext = { partition, stagedFile: path.join(dir, stagedName(output)), outputFile: path.join(dir, output) };
    const pending: PendingCompaction = { partition, run, state: "merging", inputs: inputNames, output, ...expected };

    await this.#writeJournal(pending);
    await this.#step("journaled", at);
    await db.run(`COPY (SELECT * FROM ${parquet(inputs)} ORDER BY ts, boot, seq) TO ${sqlString(at.stagedFile)} (FORMAT PARQUET, COMPRESSION ZSTD)`);
    await syncFile(at.stagedFile);
    await this.#step("merged", at);
    const merged = await contentOf(db, [at.stagedFile]);
    const mergedColumns = await columnsOf(db, [at.stagedFile], partition);
    if (mergedColumns !== columns || merged.rows !== expected.rows || merged.checksum !== expected.checksum) {
      await rm(at.stagedFile, { force: true });
      await this.#writeJournal(null);
      const what =
        mergedColumns !== columns
          ? `columns (${mergedColumns}) where its inputs have (${columns})`
          : `${merged.rows} rows with checksum ${merged.checksum} where its inputs have ${expected.rows} with checksum ${expected.checksum}`;
      throw new CompactionMismatch(
        `compaction of ${partition} refused: the merged file has ${what}; the merged file was deleted and the ${inputs.length} input files are kept`,
      );
    }
    await this.#step("verified", at);
    await renameDurably(at.stagedFile, at.outputFile);
    await this.#step("published", at);
    const committed: PendingCompaction = { ...pending, state: "committed" };
    await this.#writeJournal(committed);
    await this.#step("committed", at);
    await this.#deleteInputs(committed, at);
    return { partition, files: inputs.length, rows: expected.rows };
  }

  /** Steps 6 and 7: once committed the merged file is the partition, so every way out goes forward. */
  async #deleteInputs(committed: PendingCompaction, at: CompactionStepContext): Promise<void> {
    const dir = this.#layout.partitionDir(committed.partition);
    for (const name of committed.inputs) {
      await rm(path.join(dir, name), { force: true });
      await this.#step("input-deleted", at);
    }
    await syncDir(dir);
    await this.#writeJournal(null);
    await this.#step("cleared", at);
  }

  /** The journal names a compaction a crash interrupted: roll it back before step 5, finish it from there on. */
  async #recover(db: DuckDBConnection, pending: PendingCompaction): Promise<"completed" | "undone"> {
    const dir = this.#layout.partitionDir(pending.partition);
    const at: CompactionStepContext = {
      partition: pending.partition,
      stagedFile: path.join(dir, stagedName(pending.output)),
      outputFile: path.join(dir, pending.output),
    };
    if (pending.state === "merging") {
      await rm(at.stagedFile, { force: true });
      await rm(at.outputFile, { force: true });
      await syncDir(dir);
      await this.#writeJournal(null);
      return "undone";
    }
    if (!(await exists(at.outputFile))) {
      throw new CompactionMismatch(
        `compaction of ${pending.partition} (run ${pending.run}) cannot be finished: ${at.outputFile} is missing though ${this.#layout.compactionJournalFile} says it was committed; the input files still there are kept and the journal left as it is for a person to look at`,
      );
    }
    const merged = await contentOf(db, [at.outputFile]);
    if (merged.rows !== pending.rows || merged.checksum !== pending.checksum) {
      throw new CompactionMismatch(
        `compaction of ${pending.partition} (run ${pending.run}) cannot be finished: ${at.outputFile} has ${merged.rows} rows with checksum ${merged.checksum} where the journal recorded ${pending.rows} with checksum ${pending.checksum}; the input files still there are kept and the journal left as it is`,
      );
    }
    await this.#deleteInputs(pending, at);
    return "completed";
  }

  async #writeJournal(pending: PendingCompaction | null): Promise<void> {
    this.#generation++;
    await writeCompactionJournal(this.#layout.compactionJournalFile, { generation: this.#generation, pending });
  }

  async #step(step: CompactionStep, at: CompactionStepContext): Promise<void> {
    await this.#afterStep?.(step, at);
  }
}

function stagedName(output: string): string {
  return `.${output}.tmp`;
}

/** The files as they are: without Hive partitioning, which would add `date` and `thing` from the folder names. */
function parquet(files: readonly string[]): string {
  return `read_parquet([${files.map(sqlString).join(", ")}], hive_partitioning = false)`;
}

async function contentOf(db: DuckDBConnection, files: readonly string[]): Promise<Content> {
  const [row] = (await db.runAndReadAll(`SELECT count(*), coalesce(sum(hash(t)), 0) FROM ${parquet(files)} t`)).getRowsJS();
  return { rows: Number(row![0]), checksum: String(row![1]) };
}

/** The files' columns with their types, in order; files that differ are refused, since merging them would change types or values. */
async function columnsOf(db: DuckDBConnection, files: readonly string[], partition: string): Promise<string> {
  const rows = (
    await db.runAndReadAll(
      `SELECT file_name, string_agg(name || ' ' || duckdb_type, ', ' ORDER BY column_id) FROM parquet_schema([${files.map(sqlString).join(", ")}]) WHERE column_id > 0 GROUP BY file_name`,
    )
  ).getRowsJS();
  const [first, ...others] = rows.map((r) => ({ file: String(r[0]), columns: String(r[1]) }));
  const odd = others.find((o) => o.columns !== first!.columns);
  if (odd)
    throw new CompactionMismatch(
      `compaction of ${partition} refused: ${odd.file} has columns (${odd.columns}) but ${first!.file} has (${first!.columns}); nothing was changed`,
    );
  return first!.columns;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
