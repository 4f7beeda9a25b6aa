import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readCompactionJournal, writeCompactionJournal, type PendingCompaction } from "../../../../host-tools/local-cloud/lake/CompactionJournal.ts";
import { ManifestError } from "../../../../host-tools/local-cloud/lake/CurationManifest.ts";

const pending: PendingCompaction = {
  partition: "date=2026-01-05/thing=aqm-sim-001",
  run: "r1",
  state: "committed",
  inputs: ["20260105T000000000Z-abcdef-1.parquet", "20260105T000100000Z-abcdef-2.parquet"],
  output: "compacted-r1.parquet",
  rows: 2,
  checksum: "123",
};

const journalFile = () => path.join(mkdtempSync(path.join(tmpdir(), "aqm-journal-")), "compaction-journal.json");

test("a lake never compacted has no journal: generation 0, nothing pending", async () => {
  assert.deepEqual(await readCompactionJournal(journalFile()), { generation: 0, pending: null });
});

test("the journal reads back as written", async () => {
  const file = journalFile();
  await writeCompactionJournal(file, { generation: 7, pending });
  assert.deepEqual(await readCompactionJournal(file), { generation: 7, pending });
});

test("a journal naming files outside a partition folder, or not Parquet, is refused with the file: recovery deletes what it names", async () => {
  const refused = [
    { ...pending, inputs: ["../../raw/2026/01/05/00/aqm-telemetry-1-x"] },
    { ...pending, inputs: [".hidden.parquet"] },
    { ...pending, output: "compacted-r1.json" },
    { ...pending, partition: "date=2026-01-05/../../_manifest" },
    { ...pending, state: "done" },
  ];
  for (const bad of refused) {
    const file = journalFile();
    writeFileSync(file, JSON.stringify({ generation: 3, pending: bad }));
    await assert.rejects(
      readCompactionJournal(file),
      (error: unknown) => error instanceof ManifestError && error.message.startsWith(`${file}: not a compaction journal`),
      JSON.stringify(bad),
    );
  }
});
