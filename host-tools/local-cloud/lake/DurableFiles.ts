import { mkdir, open, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Writes and renames whose order survives a power cut, not only a crash of this process: the
 * compaction's safety rests on "the merged file is on disk before the journal says committed",
 * and without fsync the kernel may write those in either order.
 */

export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename or unlink in `dir` durable. Some platforms (Windows) cannot open a folder to sync it; there the rename is as durable as it gets. */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
  } catch (error) {
    if (["EISDIR", "EPERM", "EACCES"].includes((error as NodeJS.ErrnoException).code ?? "")) return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `from` becomes `to` in one step, durably; `from` must already be synced. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDir(path.dirname(to));
}

/**
 * Moves each of `files` (below `fromDir`) to the same place below `toDir`. Every file is synced
 * before the first rename, so a file in `toDir` is always whole; the folders that gained an entry
 * are synced once each before this returns, so the moves outlast a power cut from then on.
 */
export async function moveFilesDurably(files: readonly string[], fromDir: string, toDir: string): Promise<void> {
  // A partition's files are synced side by side: the disk takes several flushes at once far
  // faster than one after another.
  await eachAtMost(SYNCS_AT_ONCE, files, syncFile);
  const changedDirs = new Set<string>();
  for (const file of files) {
    const target = path.join(toDir, path.relative(fromDir, file));
    await mkdir(path.dirname(target), { recursive: true });
    await rename(file, target);
    for (let dir = path.dirname(target); dir.startsWith(toDir) && !changedDirs.has(dir); dir = path.dirname(dir)) changedDirs.add(dir);
  }
  await eachAtMost(SYNCS_AT_ONCE, [...changedDirs], syncDir);
}

const SYNCS_AT_ONCE = 16;

async function eachAtMost<T>(limit: number, items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Replaces `file` whole: a reader sees the old text or the new, never part of either. */
export async function replaceFileDurably(file: string, text: string): Promise<void> {
  const staging = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await writeFile(staging, text);
  await syncFile(staging);
  await renameDurably(staging, file);
}
