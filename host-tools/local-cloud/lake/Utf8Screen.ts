import { isUtf8 } from "node:buffer";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Prefix of a line that is not UTF-8 text, which the curator turns into the transformation's
 * `utf8` flag (and takes off the line).
 */
export const NOT_UTF8_MARK = "\u0001not-utf-8\u0001";

/**
 * A raw object DuckDB can read as text. DuckDB refuses a whole file for one invalid byte, which
 * would stop curation at that object for good; the writers (the local Firehose, IoT Core) only
 * pass UTF-8, so a bad byte is damage to one line, and only that line should be lost. An object
 * that is UTF-8 is used as it is; otherwise a copy in `scratchDir` has its bad lines marked.
 */
export async function utf8Readable(file: string, scratchDir: string, copyName: string): Promise<string> {
  const bytes = await readFile(file);
  if (isUtf8(bytes)) return file;
  const lines: string[] = [];
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const line = bytes.subarray(start, end);
    lines.push(isUtf8(line) ? line.toString("utf8") : `${NOT_UTF8_MARK}${line.toString("utf8")}`);
    start = end + 1;
  }
  const copy = path.join(scratchDir, copyName);
  await writeFile(copy, lines.join("\n"));
  return copy;
}
