import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CurationManifest, ManifestError } from "../../../../host-tools/local-cloud/lake/CurationManifest.ts";

const entry = { key: "raw/year=2026/month=11/day=23/hour=10/aqm-telemetry-1-a", bytes: 900, lines: 2, curated: 2, duplicates: 0, quarantined: 0, run: "r1" };

function manifestWith(...lines: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "aqm-manifest-")), "curated-objects.jsonl");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

test("an entry written before batch lines existed counts one reading per line", async () => {
  const manifest = await CurationManifest.load(manifestWith(JSON.stringify(entry)));
  assert.deepEqual(manifest.entries, [{ ...entry, records: 2 }]);
});

test("an entry with readings counted keeps that count", async () => {
  const manifest = await CurationManifest.load(manifestWith(JSON.stringify({ ...entry, records: 25, curated: 25 })));
  assert.equal(manifest.entries[0]!.records, 25);
});

test("a records count that is not a whole number is refused with the file and line", async () => {
  const file = manifestWith(JSON.stringify(entry), JSON.stringify({ ...entry, key: "raw/b", records: "25" }));
  await assert.rejects(
    CurationManifest.load(file),
    (error: unknown) => error instanceof ManifestError && error.message.startsWith(`${file}:2: not a curated-object entry`),
  );
});
