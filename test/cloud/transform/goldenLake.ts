/**
 * The golden test's DuckDB half (test/cloud/transform/test_golden.py runs it): writes the golden
 * raw lake into the folder given as the first argument, curates it with the local curator (the
 * shared SQL on DuckDB) and prints, as one JSON document, the channels' ranges the transformation
 * read, the curated rows and the quarantined rows. The lake stays for Spark to curate the same bytes.
 *
 *   node --import tsx test/cloud/transform/goldenLake.ts <lake folder> [--ranges-only]
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { telemetryRanges } from "../../../cloud/lib/transformFiles.ts";
import { healthyReading } from "../../../host-tools/board-sim/scenarios/HealthyReading.ts";
import { LakeCurator } from "../../../host-tools/local-cloud/lake/LakeCurator.ts";
import { LakeLayout } from "../../../host-tools/local-cloud/lake/LakeLayout.ts";
import { firstRunObjects, objectKey, writeObjects } from "../../host-tools/local-cloud/lake/rawFixture.ts";

const BASE = Date.UTC(2026, 10, 20, 8);
const MINUTE = 60_000;

const reading = (seq: number, extra: Record<string, unknown> = {}) => ({
  ...healthyReading(
    { thing: "aqm-gold-001", boot: 3, seq, ts: BASE + seq * MINUTE },
    { temperature_c: 21.5, humidity_pct: 40.25, pm2_5_ugm3: 5.1, co_ppb: -12.5 },
  ),
  ...extra,
});
const line = (record: Record<string, unknown>, receivedAt: number) => JSON.stringify({ ...record, topic_thing: "aqm-gold-001", received_at: receivedAt });
const batch = (records: unknown, receivedAt: number) => JSON.stringify({ batch: records, topic_thing: "aqm-gold-001", received_at: receivedAt });

function goldenObjects(): Record<string, string[]> {
  const { seq: _seq, ...noSeq } = reading(40);
  return {
    ...firstRunObjects(BASE),
    [objectKey(BASE + 2 * 3_600_000, "gold")]: [
      line(reading(1), BASE + MINUTE + 300),
      batch([reading(2), reading(3), reading(1), noSeq, 7, reading(4, { pm2_5_ugm3: -5000 })], BASE + 5 * MINUTE),
      line(reading(3), BASE + 6 * MINUTE),
      line(reading(5, { pm2_5_ugm3: 1e308 }), BASE + 7 * MINUTE),
      line(reading(6, { temperature_c: -1e300 }), BASE + 8 * MINUTE),
      line(reading(7, { humidity_pct: 1e20 }), BASE + 9 * MINUTE),
      line(reading(8, { humidity_pct: -10 }), BASE + 10 * MINUTE),
      line(reading(9, { humidity_pct: "40" }), BASE + 11 * MINUTE),
      line(reading(10, { boot: 1.5 }), BASE + 12 * MINUTE),
      line(reading(11, { health: "ok" }), BASE + 13 * MINUTE),
      line(reading(12, { health: { temperature_c: 5 } }), BASE + 14 * MINUTE),
      line(reading(13), BASE + 15 * MINUTE).replace('"seq":13,', '"seq":13,"seq":14,'),
      line(reading(15), BASE + 16 * MINUTE) + " and more",
      batch({ seq: 16 }, BASE + 17 * MINUTE),
      batch([], BASE + 18 * MINUTE),
      "[1,2,3]",
      line(reading(17, { anomaly: 1.5 }), BASE + 19 * MINUTE),
      line(reading(18, { co_ppb: 1_000_001 }), BASE + 20 * MINUTE),
      line(reading(19, { thing: "aqm-gold-002" }), BASE + 21 * MINUTE),
      line(reading(20, { v: 3 }), BASE + 22 * MINUTE),
      line(reading(21, { ts: 5 }), BASE + 23 * MINUTE),
      line(reading(22), BASE + 24 * MINUTE),
      // A string field given another JSON value reads as that value's text on both engines.
      line(reading(23, { thing: 5 }), BASE + 25 * MINUTE),
      line(reading(24, { health: { temperature_c: "ok", co_ppb: ["ok"] } }), BASE + 26 * MINUTE),
      // A repeated key the transformation does not read, and one in health, are refused like a repeated field.
      line(reading(25), BASE + 27 * MINUTE).replace('"seq":25,', '"seq":25,"note":1,"note":2,'),
      line(reading(26, { health: { co_ppb: "ok" } }), BASE + 28 * MINUTE).replace('"co_ppb":"ok"}', '"co_ppb":"ok","co_ppb":"warming"}'),
    ],
  };
}

/** One object with a line that is not UTF-8 between two good ones. */
function writeBadUtf8(lakeDir: string): void {
  const key = objectKey(BASE + 3 * 3_600_000, "bad-utf8");
  const file = path.join(lakeDir, ...key.split("/"));
  mkdirSync(path.dirname(file), { recursive: true });
  const good = (seq: number) => Buffer.from(line(reading(seq), BASE + seq * MINUTE + 100) + "\n");
  writeFileSync(
    file,
    Buffer.concat([good(30), Buffer.from('{"v":2,"thing":"aqm-gold-001","x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}\n'), good(31)]),
  );
}

const lakeDir = process.argv[2]!;
const ranges = telemetryRanges();
if (process.argv[3] === "--ranges-only") {
  console.log(JSON.stringify({ ranges }));
} else {
  writeObjects(lakeDir, goldenObjects());
  writeBadUtf8(lakeDir);
  const report = await new LakeCurator({ lakeDir }).curate();
  const layout = new LakeLayout(lakeDir);
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  const rows = async (sql: string) =>
    (await db.runAndReadAll(sql))
      .getRowObjectsJS()
      .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])));
  const curated = await rows(
    `SELECT * EXCLUDE (date, thing), CAST(date AS VARCHAR) AS date, thing FROM read_parquet('${path.join(layout.curatedDir, "**", "*.parquet")}', hive_partitioning = true, hive_types = {'date': 'VARCHAR', 'thing': 'VARCHAR'}) ORDER BY thing, boot, seq`,
  );
  const quarantine = await rows(
    `SELECT source_file, line_number, item, reason, line FROM read_json('${layout.quarantineGlob}', format = 'newline_delimited') ORDER BY source_file, line_number, item`,
  );
  db.closeSync();
  instance.closeSync();
  console.log(JSON.stringify({ ranges, report, curated, quarantine }));
}
