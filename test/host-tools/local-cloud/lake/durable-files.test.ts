import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { moveFilesDurably } from "../../../../host-tools/local-cloud/lake/DurableFiles.ts";

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

test("moveFilesDurably: every file reaches the same place below the target, whole, beside what was there, and none is left behind", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "aqm-durable-"));
  try {
    const from = path.join(root, "staging");
    const to = path.join(root, "lake");
    // More files than are synced at once, in partitions old and new.
    const names = Array.from({ length: 40 }, (_, i) => path.join(`date=2026-11-0${1 + (i % 3)}`, `thing=aqm-${i % 7}`, `run-${i}.parquet`));
    for (const [i, name] of names.entries()) {
      mkdirSync(path.dirname(path.join(from, name)), { recursive: true });
      writeFileSync(path.join(from, name), `file ${i}`);
    }
    mkdirSync(path.join(to, "date=2026-11-01", "thing=aqm-0"), { recursive: true });
    writeFileSync(path.join(to, "date=2026-11-01", "thing=aqm-0", "earlier.parquet"), "earlier");

    await moveFilesDurably(
      names.map((n) => path.join(from, n)),
      from,
      to,
    );

    assert.deepEqual(filesBelow(from), []);
    assert.deepEqual(filesBelow(to), [...names, path.join("date=2026-11-01", "thing=aqm-0", "earlier.parquet")].sort());
    for (const [i, name] of names.entries()) assert.equal(readFileSync(path.join(to, name), "utf8"), `file ${i}`);
    assert.equal(readFileSync(path.join(to, "date=2026-11-01", "thing=aqm-0", "earlier.parquet"), "utf8"), "earlier");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("moveFilesDurably: a file that is not there fails the move before any file is renamed", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "aqm-durable-"));
  try {
    const from = path.join(root, "staging");
    mkdirSync(from, { recursive: true });
    writeFileSync(path.join(from, "a.json"), "a");
    await assert.rejects(moveFilesDurably([path.join(from, "a.json"), path.join(from, "missing.json")], from, path.join(root, "lake")), /ENOENT/);
    assert.deepEqual(filesBelow(from), ["a.json"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
