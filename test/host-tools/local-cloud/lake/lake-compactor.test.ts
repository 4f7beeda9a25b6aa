import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { readCompactionJournal } from "../../../../host-tools/local-cloud/lake/CompactionJournal.ts";
import {
  COMPACTION_STEPS,
  CompactionMismatch,
  LakeCompactor,
  type CompactionStep,
  type CompactionStepContext,
} from "../../../../host-tools/local-cloud/lake/LakeCompactor.ts";
import { LakeCurator } from "../../../../host-tools/local-cloud/lake/LakeCurator.ts";
import { LakeLayout } from "../../../../host-tools/local-cloud/lake/LakeLayout.ts";
import { LakeBusy } from "../../../../host-tools/local-cloud/lake/LakeLock.ts";
import { LakeQuery } from "../../../../host-tools/local-cloud/lake/LakeQuery.ts";
import { withMemoryDuckDb } from "./memoryDuckDb.ts";
import { firstRunObjects, fixtureBase, nextRunObjects, objectKey, secondRunObjects, utcDate, writeObjects } from "./rawFixture.ts";

const base = fixtureBase(Date.now());
const busiest = `date=${utcDate(base)}/thing=aqm-fix-001`;
const second = `date=${utcDate(base)}/thing=aqm-fix-002`;

/**
 * A lake curated as the main job does it: the fixture's two runs, then six runs of one new object
 * each, so the base day of aqm-fix-001 holds 8 files and of aqm-fix-002 7; the other partitions 1.
 */
const template = mkdtempSync(path.join(tmpdir(), "aqm-compact-template-"));
writeObjects(template, firstRunObjects(base));
await new LakeCurator({ lakeDir: template }).curate();
writeObjects(template, secondRunObjects(base));
await new LakeCurator({ lakeDir: template }).curate();
for (let n = 1; n <= 6; n++) {
  writeObjects(template, nextRunObjects(base, n));
  await new LakeCurator({ lakeDir: template }).curate();
}

function copyOfLake(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "aqm-compact-"));
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Every file under curated/, hidden ones included, by partition. */
function curatedFiles(lakeDir: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const curated = new LakeLayout(lakeDir).curatedDir;
  for (const e of readdirSync(curated, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const partition = path.relative(curated, e.parentPath).split(path.sep).join("/");
    (out[partition] ??= []).push(e.name);
  }
  for (const files of Object.values(out)) files.sort();
  return out;
}

/** What the lake's readers (aqm query, training, the report) see: every column, in a fixed order. */
async function telemetry(lakeDir: string): Promise<{ columns: readonly unknown[]; rows: readonly unknown[] }> {
  const lake = await LakeQuery.open(lakeDir);
  try {
    const columns = (await lake.run("SELECT column_name, column_type FROM (DESCRIBE telemetry)")).rows;
    const rows = (await lake.run("SELECT * FROM telemetry ORDER BY thing, boot, seq")).rows;
    return { columns, rows };
  } finally {
    lake.close();
  }
}

function sql(query: string): Promise<unknown[][]> {
  return withMemoryDuckDb(async (db) => (await db.runAndReadAll(query)).getRowsJS());
}

const before = await telemetry(template);
const templateFiles = curatedFiles(template);
const rowsIn = async (partition: string) => {
  const [[rows]] = (await sql(
    `SELECT count(*) FROM read_parquet('${path.join(new LakeLayout(template).partitionDir(partition), "*.parquet")}', hive_partitioning = false)`,
  )) as [[bigint]];
  return Number(rows);
};
const busiestRows = await rowsIn(busiest);
const secondRows = await rowsIn(second);

test("the fixture lake has the small files compaction is for", () => {
  assert.equal(templateFiles[busiest]!.length, 8);
  assert.equal(templateFiles[second]!.length, 7);
  assert.ok(Object.entries(templateFiles).every(([p, files]) => p === busiest || p === second || files.length === 1));
  assert.equal(before.rows.length, 7 + 1 + 12);
  assert.equal(busiestRows, 3 + 1 + 6);
});

test("partitions over the limit become one zstd file sorted by reading time, with the same rows, columns and types; the others are untouched", async () => {
  const lake = copyOfLake();
  const untouched = Object.keys(templateFiles).filter((p) => p !== busiest && p !== second);
  const mtimes = (dir: string) => untouched.map((p) => statSync(path.join(new LakeLayout(dir).partitionDir(p), templateFiles[p]![0]!)).mtimeMs);
  const mtimesBefore = mtimes(lake);
  const report = await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4 }).compact();

  assert.deepEqual(report.partitions, [
    { partition: busiest, files: 8, rows: busiestRows },
    { partition: second, files: 7, rows: secondRows },
  ]);
  assert.deepEqual([report.filesBefore, report.filesAfter, report.rows, report.deferred, report.recovered], [15, 2, busiestRows + secondRows, 0, null]);
  assert.deepEqual(await telemetry(lake), before);

  const after = curatedFiles(lake);
  for (const p of [busiest, second]) {
    assert.deepEqual(after[p], [`compacted-${report.run}.parquet`]);
    const file = path.join(new LakeLayout(lake).partitionDir(p), after[p]![0]!);
    assert.deepEqual(await sql(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`), [["ZSTD"]]);
    const ts = (await sql(`SELECT ts FROM read_parquet('${file}', hive_partitioning = false, file_row_number = true) ORDER BY file_row_number`)).map((r) =>
      Number(r[0]),
    );
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => a - b),
      `${p} is sorted by ts`,
    );
  }
  for (const p of untouched) assert.deepEqual(after[p], templateFiles[p]);
  assert.deepEqual(mtimes(lake), mtimesBefore);
  assert.equal((await readCompactionJournal(new LakeLayout(lake).compactionJournalFile)).pending, null);

  // A reader with its own glob sees each reading once again once compaction is done.
  const globbed = await sql(
    `SELECT count(*), count(DISTINCT (thing, boot, seq)) FROM read_parquet('${new LakeLayout(lake).curatedGlob}', hive_partitioning = true)`,
  );
  assert.deepEqual(globbed, [[BigInt(before.rows.length), BigInt(before.rows.length)]]);

  const again = await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4 }).compact();
  assert.deepEqual([again.partitions, again.recovered], [[], null]);
  assert.deepEqual(curatedFiles(lake), after);
});

test("a partition holding no more files than the limit is left as it is", async () => {
  const lake = copyOfLake();
  const report = await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 8 }).compact();
  assert.deepEqual([report.partitions, report.filesBefore, report.filesAfter], [[], 0, 0]);
  assert.deepEqual(curatedFiles(lake), templateFiles);
});

test("a reader sees every reading exactly once after each step of a compaction", async () => {
  const lake = copyOfLake();
  const seen: string[] = [];
  await new LakeCompactor({
    lakeDir: lake,
    maxFilesPerPartition: 4,
    afterStep: async (step, at) => {
      seen.push(`${at.partition} ${step}`);
      assert.deepEqual(await telemetry(lake), before, `after ${step} of ${at.partition}`);
    },
  }).compact();
  assert.deepEqual(
    seen.filter((s) => s.startsWith(busiest)),
    ["journaled", "merged", "verified", "published", "committed", ...Array<string>(8).fill("input-deleted"), "cleared"].map((step) => `${busiest} ${step}`),
  );
});

test("a lake opened before a compaction answers after it from the merged files", async () => {
  const lake = copyOfLake();
  const query = await LakeQuery.open(lake);
  try {
    const sql = "SELECT thing, boot, seq, ts FROM telemetry ORDER BY thing, boot, seq";
    const earlier = await query.run(sql);
    await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4 }).compact();
    assert.deepEqual(await query.run(sql), earlier);
  } finally {
    query.close();
  }
});

class SimulatedCrash extends Error {}

/** Stops the compaction at the first `step`, leaving the lake as a crash there would. */
function crashAt(step: CompactionStep, leave?: (at: CompactionStepContext) => void): (lake: string) => LakeCompactor {
  return (lake: string) =>
    new LakeCompactor({
      lakeDir: lake,
      maxFilesPerPartition: 4,
      afterStep: (s, at) => {
        if (s !== step) return;
        leave?.(at);
        throw new SimulatedCrash(`crash after ${step} of ${at.partition}`);
      },
    });
}

/** A resend of readings already curated (in the busiest partitions' input files): the curator must call both duplicates. */
function resends(): Record<string, string[]> {
  return { [objectKey(base, "resend")]: Object.values(nextRunObjects(base, 2))[0]! };
}

for (const step of COMPACTION_STEPS) {
  test(`a crash after "${step}": readers and the curator see every reading once, and the next run ends with one file a partition`, async () => {
    const lake = copyOfLake();
    const layout = new LakeLayout(lake);
    // A crash in the middle of writing the merged file leaves part of it behind.
    const partialStagedFile = (at: CompactionStepContext) => writeFileSync(at.stagedFile, "PAR1 cut short");
    await assert.rejects(crashAt(step, step === "journaled" ? partialStagedFile : undefined)(lake).compact(), SimulatedCrash);
    assert.deepEqual(await telemetry(lake), before, "a reader at the crash");

    writeObjects(lake, resends());
    const curation = await new LakeCurator({ lakeDir: lake }).curate();
    assert.deepEqual([curation.curated, curation.duplicates], [0, 2], "duplicates of readings in the interrupted partition are still found");

    const rerun = await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4 }).compact();
    const outcome = ["journaled", "merged", "verified", "published"].includes(step) ? "undone" : "completed";
    assert.deepEqual(rerun.recovered, step === "cleared" ? null : { partition: busiest, outcome });
    assert.deepEqual(await telemetry(lake), before, "after the rerun");
    const files = curatedFiles(lake);
    assert.equal(files[busiest]!.length, 1);
    assert.equal(files[second]!.length, 1);
    assert.ok(
      Object.values(files)
        .flat()
        .every((f) => f.endsWith(".parquet") && !f.startsWith(".")),
      `no staged file left: ${JSON.stringify(files)}`,
    );
    assert.equal((await readCompactionJournal(layout.compactionJournalFile)).pending, null);
  });
}

test("a merged file that does not hold its inputs' rows is refused, naming the partition; the input files are kept", async () => {
  const tamperings = {
    "a changed value": "SELECT * REPLACE (coalesce(pm2_5_ugm3, 0) + 0.1 AS pm2_5_ugm3) FROM staged",
    "a lost row": "SELECT * FROM staged OFFSET 1",
    "a doubled row": "SELECT * FROM staged UNION ALL (SELECT * FROM staged LIMIT 1)",
  };
  for (const [what, select] of Object.entries(tamperings)) {
    const lake = copyOfLake();
    const tamper = async (step: CompactionStep, at: CompactionStepContext) => {
      if (step !== "merged") return;
      await sql(
        `COPY (WITH staged AS (SELECT * FROM read_parquet('${at.stagedFile}', hive_partitioning = false)) ${select}) TO '${at.stagedFile}.x' (FORMAT PARQUET)`,
      );
      renameSync(`${at.stagedFile}.x`, at.stagedFile);
    };
    await assert.rejects(new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4, afterStep: tamper }).compact(), (error: unknown) => {
      assert.ok(error instanceof CompactionMismatch, what);
      assert.match(
        error.message,
        new RegExp(
          `^compaction of ${busiest} refused: the merged file has \\d+ rows with checksum \\d+ where its inputs have ${busiestRows} with checksum \\d+; the merged file was deleted and the 8 input files are kept$`,
        ),
        what,
      );
      return true;
    });
    assert.deepEqual(curatedFiles(lake), templateFiles, what);
    assert.deepEqual(await telemetry(lake), before, what);
    assert.equal((await readCompactionJournal(new LakeLayout(lake).compactionJournalFile)).pending, null, what);
  }
});

test("a committed compaction whose merged file has gone is not finished: the remaining inputs are kept and still read", async () => {
  const lake = copyOfLake();
  let output = "";
  const keepName = (at: CompactionStepContext) => {
    output = at.outputFile;
  };
  await assert.rejects(crashAt("committed", keepName)(lake).compact(), SimulatedCrash);
  renameSync(output, path.join(tmpdir(), path.basename(output)));
  await assert.rejects(
    new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4 }).compact(),
    (error: unknown) =>
      error instanceof CompactionMismatch && error.message.startsWith(`compaction of ${busiest} (run `) && error.message.includes("is missing"),
  );
  assert.deepEqual(curatedFiles(lake)[busiest], templateFiles[busiest]);
  assert.deepEqual(await telemetry(lake), before);
});

test("the curator's duplicate check still works on a compacted partition", async () => {
  const lake = copyOfLake();
  await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4 }).compact();
  writeObjects(lake, resends());
  writeObjects(lake, nextRunObjects(base, 7));
  const curation = await new LakeCurator({ lakeDir: lake }).curate();
  assert.deepEqual([curation.curated, curation.duplicates], [2, 2]);
  const { rows } = await telemetry(lake);
  assert.equal(rows.length, before.rows.length + 2);
});

test("compaction takes the curator's lock: it is refused while a curation runs, and leaves the lake as it is", async () => {
  const lake = copyOfLake();
  const layout = new LakeLayout(lake);
  writeFileSync(layout.lockFile, "4242 curation\n");
  await assert.rejects(
    new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4 }).compact(),
    (error: unknown) => error instanceof LakeBusy && /curator\.lock exists: another curation \(process 4242\) is running on this lake/.test(error.message),
  );
  assert.deepEqual(curatedFiles(lake), templateFiles);
  assert.equal(readFileSync(layout.lockFile, "utf8"), "4242 curation\n", "the holder's lock is not removed");
});

test("a time budget leaves the partitions it has no time for to the next run", async () => {
  const lake = copyOfLake();
  const first = await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4, budgetMs: 0 }).compact();
  assert.deepEqual([first.partitions.map((p) => p.partition), first.deferred], [[busiest], 1]);
  const next = await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4, budgetMs: 0 }).compact();
  assert.deepEqual([next.partitions.map((p) => p.partition), next.deferred], [[second], 0]);
  assert.deepEqual(await telemetry(lake), before);
});

test("a lock left on this host by a process that is gone is taken over; one from another host, or without a host, is not", async () => {
  const lake = copyOfLake();
  const layout = new LakeLayout(lake);
  const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
  writeFileSync(layout.lockFile, `${gone} curation ${hostname()}\n`);
  const report = await new LakeCompactor({ lakeDir: lake, maxFilesPerPartition: 4 }).compact();
  assert.ok(report.partitions.length > 0, "the compaction ran");
  assert.equal(existsSync(layout.lockFile), false, "and released the lock it took over");
  assert.deepEqual(
    readdirSync(path.dirname(layout.lockFile)).filter((name) => name.includes("stale")),
    [],
    "the stale lock is gone",
  );

  writeFileSync(layout.lockFile, `${gone} curation another-host\n`);
  await assert.rejects(
    new LakeCompactor({ lakeDir: lake }).compact(),
    (error: unknown) => error instanceof LakeBusy && /process \d+ on another-host/.test(error.message),
  );
  writeFileSync(layout.lockFile, `${process.pid} curation ${hostname()}\n`);
  await assert.rejects(new LakeCompactor({ lakeDir: lake }).compact(), LakeBusy, "a live holder keeps its lock");
  assert.equal(readFileSync(layout.lockFile, "utf8"), `${process.pid} curation ${hostname()}\n`);
});
