import { jsonRecordOf, readTextIfPresent } from "./BookkeepingText.ts";
import { ManifestError } from "./CurationManifest.ts";
import { replaceFileDurably } from "./DurableFiles.ts";
import { isCuratedPartition } from "./LakeLayout.ts";

/** The one partition compaction under way (or interrupted), as LakeCompactor's steps leave it. */
export interface PendingCompaction {
  /** The partition's folder under curated/: `date=YYYY-MM-DD/thing=NAME`. */
  readonly partition: string;
  readonly run: string;
  /**
   * `merging`: the merged file is not part of the lake yet, even once it is in the partition
   * folder. `committed`: it is, and the inputs are not, even while some are still on disk.
   */
  readonly state: "merging" | "committed";
  /** The files being merged, by name in the partition folder. */
  readonly inputs: readonly string[];
  /** The merged file's name in the partition folder. */
  readonly output: string;
  /** Rows and content checksum of the inputs: what the merged file was checked against. */
  readonly rows: number;
  readonly checksum: string;
}

export interface CompactionJournal {
  /**
   * One more at every write, never reused: a reader that finds the same generation before and
   * after listing the curated files listed them while nothing changed.
   */
  readonly generation: number;
  readonly pending: PendingCompaction | null;
}

const PARQUET_NAME = /^[^./\\][^/\\]*\.parquet$/;
const EMPTY: CompactionJournal = { generation: 0, pending: null };

/** The journal in `_manifest/`; a lake never compacted has none, which reads as nothing pending. */
export async function readCompactionJournal(file: string): Promise<CompactionJournal> {
  const text = await readTextIfPresent(file);
  if (text === undefined) return EMPTY;
  const journal = parseJournal(text);
  if (!journal)
    throw new ManifestError(
      `${file}: not a compaction journal ({"generation": n, "pending": null or {partition, run, state, inputs, output, rows, checksum}}): ${text.slice(0, 120)}`,
    );
  return journal;
}

/** Replaces the journal whole, durably: a reader or a crash sees the old state or the new. */
export async function writeCompactionJournal(file: string, journal: CompactionJournal): Promise<void> {
  await replaceFileDurably(file, `${JSON.stringify(journal)}\n`);
}

function parseJournal(text: string): CompactionJournal | undefined {
  const value = jsonRecordOf(text);
  if (value === undefined) return undefined;
  const { generation, pending } = value;
  if (!Number.isSafeInteger(generation) || (generation as number) < 0) return undefined;
  if (pending === null) return { generation: generation as number, pending: null };
  if (typeof pending !== "object") return undefined;
  const p = pending as Record<string, unknown>;
  // Recovery deletes the files named here: only Parquet files directly in a partition folder.
  const names = (x: unknown): x is string[] => Array.isArray(x) && x.every((n) => typeof n === "string" && PARQUET_NAME.test(n));
  if (typeof p.partition !== "string" || !isCuratedPartition(p.partition) || typeof p.run !== "string" || (p.state !== "merging" && p.state !== "committed"))
    return undefined;
  if (!names(p.inputs) || !names([p.output]) || !Number.isSafeInteger(p.rows) || typeof p.checksum !== "string") return undefined;
  return {
    generation: generation as number,
    pending: { partition: p.partition, run: p.run, state: p.state, inputs: p.inputs, output: p.output as string, rows: p.rows as number, checksum: p.checksum },
  };
}
