import path from "node:path";
import { readCompactionJournal, type PendingCompaction } from "./CompactionJournal.ts";
import type { LakeLayout } from "./LakeLayout.ts";

/** The curated files kept changing while they were listed, attempt after attempt. */
export class LakeListingUnstable extends Error {}

const LISTING_ATTEMPTS = 20;

/**
 * The curated Parquet files that make up the lake now, each reading in exactly one of them, by
 * path. A compaction puts a partition's merged file beside its inputs before it deletes them;
 * the journal says which of the two sets counts (`LakeCompactor`). The files are listed between
 * two reads of the journal, and listed again if the journal changed meanwhile, so the listing and
 * the rule applied to it belong to the same moment.
 */
export async function visibleCuratedFiles(layout: LakeLayout): Promise<string[]> {
  for (let attempt = 0; attempt < LISTING_ATTEMPTS; attempt++) {
    const before = await readCompactionJournal(layout.compactionJournalFile);
    const files = await layout.curatedParquetFiles();
    const after = await readCompactionJournal(layout.compactionJournalFile);
    if (before.generation !== after.generation) continue;
    const hidden = after.pending ? hiddenFiles(layout, after.pending, new Set(files)) : new Set<string>();
    return files.filter((f) => !hidden.has(f));
  }
  throw new LakeListingUnstable(
    `the compaction journal ${layout.compactionJournalFile} changed during each of ${LISTING_ATTEMPTS} listings of ${layout.curatedDir}`,
  );
}

function hiddenFiles(layout: LakeLayout, pending: PendingCompaction, listed: ReadonlySet<string>): Set<string> {
  const dir = layout.partitionDir(pending.partition);
  const output = path.join(dir, pending.output);
  if (pending.state === "merging") return new Set([output]);
  // Committed, but the merged file is not there (deleted by hand, or a disk that lost it): the
  // inputs still on disk are all there is, so they stay visible and recovery refuses.
  return listed.has(output) ? new Set(pending.inputs.map((name) => path.join(dir, name))) : new Set();
}
