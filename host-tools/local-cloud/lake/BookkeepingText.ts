/**
 * Reading the lake's bookkeeping files, the compaction journal and the curation manifest: each
 * reader decides what a missing file means and reports damage in its own words.
 */
import { readFile } from "node:fs/promises";

/** The file's text, or undefined when there is no such file (a lake never compacted, or never curated). */
export async function readTextIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The object `text` holds, or undefined when it is not JSON or not an object: a crash tore it or a hand edit broke it. */
export function jsonRecordOf(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}
