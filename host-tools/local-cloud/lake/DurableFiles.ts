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

/** Moves each of `files` (below `fromDir`) to the same place below `toDir`, each synced before its rename, so a file in `toDir` is always whole. */
export async function moveFilesDurably(files: readonly string[], fromDir: string, toDir: string): Promise<void> {
  for (const file of files) {
    const target = path.join(toDir, path.relative(fromDir, file));
    await mkdir(path.dirname(target), { recursive: true });
    await syncFile(file);
    await renameDurably(file, target);
  }
}

/** Replaces `file` whole: a reader sees the old text or the new, never part of either. */
export async function replaceFileDurably(file: string, text: string): Promise<void> {
  const staging = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await writeFile(staging, text);
  await syncFile(staging);
  await renameDurably(staging, file);
}
