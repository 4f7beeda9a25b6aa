import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { healthyReading } from "../../../../host-tools/board-sim/scenarios/HealthyReading.ts";
import { LakeCurator } from "../../../../host-tools/local-cloud/lake/LakeCurator.ts";
import { LakeLayout } from "../../../../host-tools/local-cloud/lake/LakeLayout.ts";
import { withMemoryDuckDb } from "./memoryDuckDb.ts";
import {
  expectedQuarantine,
  firstRunObjects,
  fixtureBase,
  HOUR,
  MINUTE,
  DAY,
  nextRunObjects,
  objectKey,
  secondRunObjects,
  utcDate,
  writeObjects,
} from "./rawFixture.ts";

const base = fixtureBase(Date.now());

function sql(query: string): Promise<Record<string, unknown>[]> {
  return withMemoryDuckDb(async (db) => (await db.runAndReadAll(query)).getRowObjectsJS());
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function curatedRows(lakeDir: string): Promise<Record<string, unknown>[]> {
  return sql(`SELECT thing, boot, seq, v, ts, interval_s, pm2_5_ugm3, co_ppb, anomaly, health_temperature_c, health_pm10_ugm3, health_co_ppb, received_at, source_file, line_number, CAST(date AS VARCHAR) AS date
    FROM read_parquet('${new LakeLayout(lakeDir).curatedGlob}', hive_partitioning = true, hive_types = {'date': 'DATE', 'thing': 'VARCHAR'}) ORDER BY thing, boot, seq`);
}

const lake = mkdtempSync(path.join(tmpdir(), "aqm-lake-"));
writeObjects(lake, firstRunObjects(base));
const a = objectKey(base, "a");
const b = objectKey(base, "b");
const c = objectKey(base + HOUR, "c");
const first = await new LakeCurator({ lakeDir: lake }).curate();

test("first run: every raw line is curated, a duplicate or quarantined, and the counts say so", () => {
  assert.deepEqual(
    { objects: first.objects, lines: first.lines, curated: first.curated, duplicates: first.duplicates, quarantined: first.quarantined },
    { objects: 2, lines: 14, curated: 7, duplicates: 1, quarantined: 6 },
  );
  assert.equal(first.lines, first.curated + first.duplicates + first.quarantined);
  assert.equal(
    first.reasons.reduce((n, r) => n + r.records, 0),
    6,
  );
});

test("curated Parquet: v1 and v2 in one shape, one row per (thing, boot, seq), the first copy to arrive kept", async () => {
  const rows = await curatedRows(lake);
  const key = (r: Record<string, unknown>) => `${r.thing}/${r.boot}/${r.seq}`;
  assert.deepEqual(rows.map(key), [
    "aqm-fix-001/1/1",
    "aqm-fix-001/1/2",
    "aqm-fix-001/1/3",
    "aqm-fix-002/7/1",
    "aqm-fix-002/7/2",
    "aqm-fix-003/2/1",
    "aqm-fix-003/2/2",
  ]);
  const byKey = new Map(rows.map((r) => [key(r), r]));
  // The duplicate of line 2 (line 5) arrived later: line 2 is kept.
  assert.deepEqual(byKey.get("aqm-fix-001/1/2"), {
    thing: "aqm-fix-001",
    boot: 1n,
    seq: 2n,
    v: 2,
    ts: BigInt(base + 2 * MINUTE),
    interval_s: 60,
    pm2_5_ugm3: 9,
    co_ppb: 268.3,
    anomaly: 0.85,
    health_temperature_c: "ok",
    health_pm10_ugm3: "ok",
    health_co_ppb: "ok",
    received_at: BigInt(base + 2 * MINUTE + 500),
    source_file: a,
    line_number: 2n,
    date: utcDate(base + 2 * MINUTE),
  });
  // v1: integer PM as numbers, per-sensor health copied to the sensor's channels, no gas channels.
  assert.deepEqual(byKey.get("aqm-fix-002/7/1"), {
    thing: "aqm-fix-002",
    boot: 7n,
    seq: 1n,
    v: 1,
    ts: BigInt(base + MINUTE),
    interval_s: null,
    pm2_5_ugm3: 4,
    co_ppb: null,
    anomaly: null,
    health_temperature_c: "ok",
    health_pm10_ugm3: "ok",
    health_co_ppb: null,
    received_at: null,
    source_file: a,
    line_number: 3n,
    date: utcDate(base + MINUTE),
  });
  const faulty = byKey.get("aqm-fix-002/7/2")!;
  assert.deepEqual([faulty.pm2_5_ugm3, faulty.health_pm10_ugm3, faulty.health_temperature_c], [null, "fault:read", "ok"]);
  const nack = byKey.get("aqm-fix-003/2/1")!;
  assert.deepEqual([nack.co_ppb, nack.health_co_ppb], [null, "fault:nack"]);
  assert.equal(byKey.get("aqm-fix-003/2/2")!.date, utcDate(base - 2 * DAY));
});

test("curated layout: Hive partitions date=YYYY-MM-DD/thing=NAME of Parquet files", () => {
  const partitions = [...new Set(filesUnder(path.join(lake, "curated")).map((f) => path.dirname(f)))].sort();
  const expected = new Set([
    `date=${utcDate(base + MINUTE)}/thing=aqm-fix-001`,
    `date=${utcDate(base + MINUTE)}/thing=aqm-fix-002`,
    `date=${utcDate(base + HOUR + MINUTE)}/thing=aqm-fix-002`,
    `date=${utcDate(base + 90_000)}/thing=aqm-fix-003`,
    `date=${utcDate(base - 2 * DAY)}/thing=aqm-fix-003`,
  ]);
  assert.deepEqual(partitions, [...expected].sort());
  assert.ok(filesUnder(path.join(lake, "curated")).every((f) => f.endsWith(".parquet")));
});

test("quarantine: each refused line with its reason, object key, line number and the raw text", async () => {
  const rows = await sql(
    `SELECT source_file AS key, line_number AS line, reason, line AS raw FROM read_json('${new LakeLayout(lake).quarantineGlob}', format = 'newline_delimited') ORDER BY key, line`,
  );
  assert.deepEqual(
    rows.map(({ key, line, reason }) => ({ key, line: Number(line), reason })),
    expectedQuarantine(base),
  );
  const raw = firstRunObjects(base);
  for (const r of rows) assert.equal(r.raw, raw[r.key as string]![Number(r.line) - 1]);
  assert.deepEqual(readdirSync(path.join(lake, "quarantine")), [`ingest_date=${utcDate(base)}`]);
});

test("manifest: one entry per raw object with its counts", () => {
  const entries = readFileSync(new LakeLayout(lake).manifestFile, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    entries.map(({ key, lines, curated, duplicates, quarantined }) => ({ key, lines, curated, duplicates, quarantined })),
    [
      { key: a, lines: 10, curated: 4, duplicates: 1, quarantined: 5 },
      { key: b, lines: 4, curated: 3, duplicates: 0, quarantined: 1 },
    ],
  );
});

test("incremental: a rerun with no new object changes nothing; a new object is curated alone, a resent reading counted as a duplicate", async () => {
  const before = filesUnder(lake);
  const idle = await new LakeCurator({ lakeDir: lake }).curate();
  assert.deepEqual([idle.objects, idle.lines, idle.curated], [0, 0, 0]);
  assert.deepEqual(filesUnder(lake), before);

  writeObjects(lake, secondRunObjects(base));
  const second = await new LakeCurator({ lakeDir: lake }).curate();
  assert.deepEqual(
    { objects: second.objects, lines: second.lines, curated: second.curated, duplicates: second.duplicates, quarantined: second.quarantined },
    { objects: 1, lines: 3, curated: 1, duplicates: 1, quarantined: 1 },
  );
  assert.deepEqual(second.reasons, [{ reason: "not a JSON object (truncated or malformed, or another JSON value)", records: 1 }]);
  const rows = await curatedRows(lake);
  assert.equal(rows.length, 8);
  assert.equal(new Set(rows.map((r) => `${r.thing}/${r.boot}/${r.seq}`)).size, 8);
  // The copy curated by the first run stays; the resend is not written.
  assert.equal(rows.find((r) => r.thing === "aqm-fix-001" && r.boot === 1n && r.seq === 1n)!.source_file, a);
  assert.equal(rows.find((r) => r.thing === "aqm-fix-001" && r.boot === 2n)!.source_file, c);

  const after = filesUnder(lake);
  const again = await new LakeCurator({ lakeDir: lake }).curate();
  assert.equal(again.objects, 0);
  assert.deepEqual(filesUnder(lake), after);
});

test("a second curator on the same lake is refused while the first holds the lock", async () => {
  const busy = mkdtempSync(path.join(tmpdir(), "aqm-lake-busy-"));
  writeObjects(busy, firstRunObjects(base));
  const results = await Promise.allSettled([new LakeCurator({ lakeDir: busy }).curate(), new LakeCurator({ lakeDir: busy }).curate()]);
  const refused = results.filter((r) => r.status === "rejected");
  assert.equal(refused.length, 1);
  assert.match(String((refused[0] as PromiseRejectedResult).reason), /curator\.lock exists: another curation .* is running on this lake/);
  assert.equal((await curatedRows(busy)).length, 7);
});

test("a line that is not UTF-8 is quarantined alone; the rest of its object is curated", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aqm-lake-utf8-"));
  const key = objectKey(base, "u");
  const good = firstRunObjects(base)[a]!.slice(0, 3);
  const file = path.join(dir, ...key.split("/"));
  writeObjects(dir, { [key]: [] });
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`${good[0]}\n`), Buffer.from('{"v":2,"thing":"aqm-fix-\xff"}\n', "latin1"), Buffer.from(`${good[1]}\n${good[2]}\n`)]),
  );
  const report = await new LakeCurator({ lakeDir: dir }).curate();
  assert.deepEqual([report.lines, report.curated, report.quarantined], [4, 3, 1]);
  assert.deepEqual(report.reasons, [{ reason: "not UTF-8 text (the line shows each invalid byte as U+FFFD)", records: 1 }]);
  const [row] = await sql(`SELECT line_number, line FROM read_json('${new LakeLayout(dir).quarantineGlob}', format = 'newline_delimited')`);
  assert.deepEqual(row, { line_number: 2n, line: '{"v":2,"thing":"aqm-fix-\uFFFD"}' });
});

test("one object per DuckDB pass gives the same lake as one pass for all", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aqm-lake-batches-"));
  writeObjects(dir, firstRunObjects(base));
  const report = await new LakeCurator({ lakeDir: dir, batchBytes: 1 }).curate();
  assert.deepEqual([report.lines, report.curated, report.duplicates, report.quarantined], [first.lines, first.curated, first.duplicates, first.quarantined]);
  const strip = (rows: Record<string, unknown>[]) =>
    rows.map(({ thing, boot, seq, source_file, line_number }) => ({ thing, boot, seq, source_file, line_number }));
  assert.deepEqual(strip(await curatedRows(dir)), strip((await curatedRows(lake)).filter((r) => r.source_file !== c)));
});

test("batch lines: each reading of a batch is curated, deduplicated or quarantined on its own, with the envelope's thing and arrival time", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aqm-lake-batch-"));
  const key = objectKey(base, "batch");
  const reading = (seq: number, extra: Record<string, unknown> = {}) => ({
    ...healthyReading({ thing: "aqm-fix-004", boot: 3, seq, ts: base + seq * MINUTE }, { pm2_5_ugm3: seq }),
    ...extra,
  });
  // What the topic rule writes for a board's batch: the board's readings, then the rule's fields, once.
  const envelope = (batch: unknown, receivedAt: number) => JSON.stringify({ batch, topic_thing: "aqm-fix-004", received_at: receivedAt });
  const { seq: _seq, ...noSeq } = reading(5);
  writeObjects(dir, {
    [key]: [
      envelope([reading(1), reading(2), reading(3)], base + 10 * MINUTE),
      envelope([reading(4), noSeq, 42], base + 11 * MINUTE),
      // A reading that names another thing, and even carries that thing's topic_thing: the rule's field on the envelope wins.
      envelope([reading(6, { thing: "aqm-fix-005", topic_thing: "aqm-fix-005" })], base + 12 * MINUTE),
      envelope([reading(2), reading(7)], base + 13 * MINUTE),
      envelope({ seq: 8 }, base + 14 * MINUTE),
      envelope([], base + 15 * MINUTE),
    ],
  });
  const report = await new LakeCurator({ lakeDir: dir }).curate();
  assert.deepEqual(
    { lines: report.lines, records: report.records, curated: report.curated, duplicates: report.duplicates, quarantined: report.quarantined },
    { lines: 6, records: 11, curated: 5, duplicates: 1, quarantined: 5 },
  );
  const rows = await curatedRows(dir);
  assert.deepEqual(
    rows.map((r) => [Number(r.seq), Number(r.received_at), Number(r.line_number)]),
    [
      [1, base + 10 * MINUTE, 1],
      [2, base + 10 * MINUTE, 1],
      [3, base + 10 * MINUTE, 1],
      [4, base + 11 * MINUTE, 2],
      [7, base + 13 * MINUTE, 4],
    ],
  );
  assert.ok(rows.every((r) => r.thing === "aqm-fix-004" && r.health_co_ppb === "ok"));
  const refused = await sql(
    `SELECT line_number, item, reason, line FROM read_json('${new LakeLayout(dir).quarantineGlob}', format = 'newline_delimited') ORDER BY line_number, item`,
  );
  assert.deepEqual(
    refused.map((r) => [Number(r.line_number), Number(r.item), r.reason]),
    [
      [2, 2, "seq is missing"],
      [2, 3, "batch reading 3 is not a JSON object"],
      [3, 1, "thing aqm-fix-005 differs from the thing of the topic it was published on"],
      [5, 0, "batch is not an array of readings"],
      [6, 0, "batch is an empty array"],
    ],
  );
  // A refused reading is kept as the reading's own text, not its whole batch.
  assert.deepEqual(JSON.parse(String(refused[0]!.line)), noSeq);
});

test("a curation that died mid-write left its half file under _staging, where no reader looks: the lake still reads, and the next run clears it and curates the objects once", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aqm-lake-crash-"));
  const layout = new LakeLayout(dir);
  writeObjects(dir, firstRunObjects(base));
  await new LakeCurator({ lakeDir: dir }).curate();
  const before = await curatedRows(dir);
  // What a run killed during its COPY leaves: its objects unrecorded, a Parquet file cut short.
  writeObjects(dir, nextRunObjects(base, 9));
  const half = path.join(
    layout.stagingDir,
    "20261123T000000000Z-dead00-0",
    "curated",
    `date=${utcDate(base)}`,
    "thing=aqm-fix-001",
    "20261123T000000000Z-dead00-x.parquet",
  );
  mkdirSync(path.dirname(half), { recursive: true });
  writeFileSync(
    half,
    readFileSync(
      readdirSync(layout.curatedDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.name.endsWith(".parquet"))
        .map((e) => path.join(e.parentPath, e.name))[0]!,
    ).subarray(0, 100),
  );
  assert.deepEqual(await curatedRows(dir), before, "readers of curated/ never see the half file");
  const next = await new LakeCurator({ lakeDir: dir }).curate();
  assert.deepEqual([next.objects, next.curated, next.duplicates], [1, 2, 0]);
  assert.equal(existsSync(layout.stagingDir), false, "the dead run's staging is gone");
  assert.equal((await curatedRows(dir)).length, before.length + 2);
});

test("a curation that died after moving its files but before recording its objects: the next run finds those readings as duplicates, none doubled", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aqm-lake-crash-"));
  const layout = new LakeLayout(dir);
  writeObjects(dir, firstRunObjects(base));
  const run = await new LakeCurator({ lakeDir: dir }).curate();
  const rowsAfter = await curatedRows(dir);
  rmSync(layout.manifestFile);
  const again = await new LakeCurator({ lakeDir: dir }).curate();
  assert.deepEqual([again.objects, again.curated, again.duplicates], [run.objects, 0, run.curated + run.duplicates]);
  assert.deepEqual(await curatedRows(dir), rowsAfter);
});
