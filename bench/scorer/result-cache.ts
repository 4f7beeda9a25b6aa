/**
 * bench:scorer's parameter searches take minutes; their results are kept under .cache/bench-scorer/
 * (gitignored), keyed by the search's inputs (corpus stamps, grid, plan) and by the source of the
 * scorer and analysis modules, so an edit of the scorer or a different corpus recomputes. An edit
 * of the search itself in bench/scorer/ does not: delete .cache/bench-scorer/ after one.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CACHE_DIR = fileURLToPath(new URL("../../.cache/bench-scorer/", import.meta.url));
const SOURCES = ["../../firmware/anomaly/", "../../host-tools/analysis/scorer/", "../../host-tools/analysis/nab/"].map((dir) =>
  fileURLToPath(new URL(dir, import.meta.url)),
);

function sourceDigest(): string {
  const hash = createHash("sha256");
  for (const dir of SOURCES) {
    for (const file of readdirSync(dir)
      .filter((name) => name.endsWith(".ts"))
      .sort())
      hash.update(file).update(readFileSync(join(dir, file)));
  }
  return hash.digest("hex");
}

/** An input file or folder as its path, size and modification time. */
export function inputStamp(path: string): string {
  const stat = statSync(path);
  return `${path}:${stat.size}:${stat.mtimeMs}`;
}

export function cached<T>(name: string, key: unknown, compute: () => T): { value: T; fromCache: boolean } {
  const digest = createHash("sha256").update(sourceDigest()).update(JSON.stringify(key)).digest("hex").slice(0, 16);
  const path = join(CACHE_DIR, `${name}-${digest}.json`);
  if (existsSync(path)) return { value: JSON.parse(readFileSync(path, "utf8")) as T, fromCache: true };
  const value = compute();
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(path, JSON.stringify(value));
  return { value, fromCache: false };
}
