/**
 * npm run bench:etl [records] [rounds] — the local ETL (LakeCurator: the shared transformation on
 * DuckDB) on generated raw telemetry, 1 million records by default, then compaction
 * (LakeCompactor) of a lake curated as the main job does it, one small run a minute for `rounds`
 * minutes (120 by default). Prints figures; asserts nothing.
 *
 * The raw lake is what the local Firehose writes: schema v2 records as the topic rule delivers
 * them (with topic_thing and received_at), in objects of up to 5 MiB under hourly UTC folders,
 * from 20 boards at the default 60 s interval, with 1 % QoS 1 redeliveries and 0.1 % corrupt
 * lines. Values follow smooth daily curves, as real air does, so the compression figure is not
 * flattered by constant columns nor spoilt by white noise.
 *
 * Beside the project's curation, in the same run and on the same files: plain DuckDB doing the
 * minimal honest job (read the NDJSON, unnest batches, drop duplicates by (thing, boot, seq), write
 * zstd Parquet by date and thing; no checks, no quarantine, no manifest), the peer the curation's
 * speed is a ratio of; and the Glue job's transformation on Spark in local mode (one JVM on this
 * machine, not a Glue cluster), with `--no-spark` to leave it out.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RAW_PREFIX } from "../cloud/lib/lakePrefixes.ts";
import { firehoseKey, TELEMETRY_STREAM_NAME } from "../host-tools/local-cloud/iot-core/LocalFirehose.ts";
import { healthyReading } from "../host-tools/board-sim/scenarios/HealthyReading.ts";
import { LakeCompactor } from "../host-tools/local-cloud/lake/LakeCompactor.ts";
import { LakeCurator } from "../host-tools/local-cloud/lake/LakeCurator.ts";
import { LakeQuery } from "../host-tools/local-cloud/lake/LakeQuery.ts";
import { loadNamedQueries } from "../cloud/lib/namedQueries.ts";
import { DuckDBInstance } from "@duckdb/node-api";
import { spawnSync } from "node:child_process";
import { CHANNELS } from "../firmware/telemetry/Channels.ts";
import { telemetryRanges } from "../cloud/lib/transformFiles.ts";

const args = process.argv.slice(2).filter((a) => a !== "--no-spark");
const RECORDS = Number(args[0] ?? 1_000_000);
const ROUNDS = Number(args[1] ?? 120);
const WITH_SPARK = !process.argv.includes("--no-spark");
const BOARDS = 20;
const INTERVAL_MS = 60_000;
const OBJECT_BYTES = 5 * 1024 * 1024;
const START = Date.UTC(2026, 9, 1);
const DAY_MS = 86_400_000;

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Deterministic, so two runs of the benchmark curate the same bytes. */
function pseudoRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const thingOf = (board: number) => `aqm-bench-${String(board).padStart(3, "0")}`;

/** One reading as the board publishes it, without what the topic rule adds. */
function record(board: number, seq: number, ts: number, random: () => number): Record<string, unknown> {
  const day = Math.sin((2 * Math.PI * (ts % DAY_MS)) / DAY_MS + board);
  const noise = () => random() - 0.5;
  return healthyReading(
    { thing: thingOf(board), boot: 1, seq, ts },
    {
      temperature_c: round(18 + 4 * day + noise(), 2),
      humidity_pct: round(50 - 10 * day + noise(), 2),
      pm1_ugm3: round(4 + 2 * day + noise(), 1),
      pm2_5_ugm3: round(8 + 4 * day + noise(), 1),
      pm10_ugm3: round(14 + 6 * day + noise(), 1),
      co_ppb: round(250 + 80 * day + 5 * noise(), 1),
      no2_ppb: round(15 + 8 * day + noise(), 1),
      so2_ppb: round(3 + day + noise(), 1),
      o3_ppb: round(30 - 10 * day + noise(), 1),
      anomaly: round(random() * 0.02, 3),
    },
  );
}

/** A raw line: the message (one reading, or a batch) with the topic rule's topic_thing and received_at. */
function rawLine(board: number, message: Record<string, unknown>, ts: number, random: () => number): string {
  return JSON.stringify({ ...message, topic_thing: thingOf(board), received_at: ts + 200 + Math.floor(random() * 300) });
}

function reading(board: number, seq: number, ts: number, random: () => number): string {
  return rawLine(board, record(board, seq, ts, random), ts, random);
}

/** Every board replays a backlog now and then: this many readings out of each BACKLOG_EVERY go as one batch. */
const BATCH_READINGS = 12;
const BACKLOG_EVERY = 400;

function generate(lakeDir: string): { lines: number; readings: number; batched: number; objects: number; bytes: number } {
  const random = pseudoRandom(8);
  let buffer: string[] = [];
  let bufferBytes = 0;
  let oldest = 0;
  let objects = 0;
  let bytes = 0;
  let lines = 0;
  let readings = 0;
  let batched = 0;
  const backlog = new Map<number, Record<string, unknown>[]>();
  const flush = () => {
    const text = buffer.join("\n") + "\n";
    const file = path.join(lakeDir, ...firehoseKey(RAW_PREFIX, TELEMETRY_STREAM_NAME, oldest, String(objects).padStart(8, "0")).split("/"));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    objects++;
    bytes += Buffer.byteLength(text);
    buffer = [];
    bufferBytes = 0;
  };
  const put = (line: string, ts: number) => {
    if (buffer.length === 0) oldest = ts;
    buffer.push(line);
    bufferBytes += line.length + 1;
    lines++;
    if (bufferBytes >= OBJECT_BYTES) flush();
  };
  const putBatch = (board: number, held: Record<string, unknown>[], ts: number) => {
    put(rawLine(board, { batch: held }, ts, random), ts);
    batched += held.length;
    backlog.delete(board);
  };
  for (let i = 0; readings < RECORDS; i++) {
    const board = i % BOARDS;
    const seq = Math.floor(i / BOARDS) + 1;
    const ts = START + seq * INTERVAL_MS + board * 1000;
    readings++;
    if (seq % BACKLOG_EVERY < BATCH_READINGS) {
      const held = [...(backlog.get(board) ?? []), record(board, seq, ts, random)];
      backlog.set(board, held);
      if (held.length === BATCH_READINGS) putBatch(board, held, ts);
      continue;
    }
    const line = reading(board, seq, ts, random);
    put(line, ts);
    const dice = random();
    if (dice < 0.01 && readings < RECORDS) {
      put(line, ts);
      readings++;
    } else if (dice < 0.011 && readings < RECORDS) {
      put(line.slice(0, Math.floor(line.length / 2)), ts);
      readings++;
    }
  }
  for (const [board, held] of backlog) putBatch(board, held, START);
  if (buffer.length > 0) flush();
  return { lines, readings, batched, objects, bytes };
}

/** The raw object of minute `round`, with a reading of every board, as the local Firehose writes one between the main job's curations. */
function writeRound(lakeDir: string, round: number, random: () => number): void {
  const lines = Array.from({ length: BOARDS }, (_, board) => reading(board, round, START + round * INTERVAL_MS + board * 1000, random));
  const file = path.join(lakeDir, ...firehoseKey(RAW_PREFIX, TELEMETRY_STREAM_NAME, START + round * INTERVAL_MS, String(round).padStart(8, "0")).split("/"));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lines.join("\n") + "\n");
}

/** One more minute curated on its own, as the main job's next round: seconds. */
async function nextMinuteSeconds(lakeDir: string, round: number, random: () => number): Promise<number> {
  writeRound(lakeDir, round, random);
  const t = performance.now();
  await new LakeCurator({ lakeDir }).curate();
  return (performance.now() - t) / 1000;
}

/** `aqm query latest` as the command runs it (open the lake, query, close): the median of five, in seconds. */
async function latestQuerySeconds(lakeDir: string): Promise<number> {
  const latest = loadNamedQueries().find((q) => q.name === "latest")!;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const lake = await LakeQuery.open(lakeDir);
    try {
      await lake.run(latest.sql);
    } finally {
      lake.close();
    }
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[2]!;
}

async function compactionFigures(): Promise<void> {
  const lakeDir = mkdtempSync(path.join(tmpdir(), "aqm-bench-compact-"));
  try {
    const random = pseudoRandom(9);
    for (let round = 1; round <= ROUNDS; round++) writeRound(lakeDir, round, random);
    // One DuckDB pass per raw object gives the files ROUNDS separate curations would, without paying for ROUNDS DuckDB start-ups.
    let t = performance.now();
    const curated = await new LakeCurator({ lakeDir, batchBytes: 1 }).curate();
    console.log(
      `compaction: ${ROUNDS} minutes of ${BOARDS} boards curated one minute at a time (${curated.curated} rows, ${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
    const curationBefore = await nextMinuteSeconds(lakeDir, ROUNDS + 1, random);
    const before = bytesUnder(path.join(lakeDir, "curated"), ".parquet");
    const queryBefore = await latestQuerySeconds(lakeDir);
    t = performance.now();
    const report = await new LakeCompactor({ lakeDir }).compact();
    const seconds = (performance.now() - t) / 1000;
    const after = bytesUnder(path.join(lakeDir, "curated"), ".parquet");
    const queryAfter = await latestQuerySeconds(lakeDir);
    const curationAfter = await nextMinuteSeconds(lakeDir, ROUNDS + 2, random);
    console.log(
      `compaction: ${report.partitions.length} partitions, ${before.files} files (${mib(before.bytes)}) → ${after.files} (${mib(after.bytes)}), ${report.rows} rows in ${seconds.toFixed(2)} s`,
    );
    console.log(
      `aqm query latest: ${queryBefore.toFixed(3)} s before compaction, ${queryAfter.toFixed(3)} s after (${(queryBefore / queryAfter).toFixed(1)}× faster)`,
    );
    // The curator reads the day's partitions to find resent readings: it pays for small files too.
    console.log(
      `the next minute's curation: ${curationBefore.toFixed(2)} s before compaction, ${curationAfter.toFixed(2)} s after (${(curationBefore / curationAfter).toFixed(1)}× faster)`,
    );
  } finally {
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

function bytesUnder(dir: string, suffix: string): { files: number; bytes: number } {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(suffix));
  return { files: files.length, bytes: files.reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0) };
}

/** The peer: plain DuckDB, the minimal honest job on the same raw files. Rows written and seconds. */
async function plainDuckDb(lakeDir: string): Promise<{ rows: number; seconds: number }> {
  const out = mkdtempSync(path.join(tmpdir(), "aqm-bench-plain-"));
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    const t = performance.now();
    const fields = ["v", "thing", "boot", "seq", "ts", "interval_s", ...CHANNELS.map((c) => c.name), "anomaly", "health"];
    await db.run(
      `CREATE TEMPORARY TABLE lines AS SELECT * FROM read_json('${path.join(lakeDir, "raw", "**", "*")}', format = 'newline_delimited', ignore_errors = true, union_by_name = true)`,
    );
    await db.run(`CREATE TEMPORARY TABLE readings AS
      SELECT ${fields.join(", ")}, received_at FROM lines WHERE batch IS NULL AND thing IS NOT NULL
      UNION ALL SELECT ${fields.map((f) => `b.${f}`).join(", ")}, received_at FROM (SELECT unnest(batch) AS b, received_at FROM lines WHERE batch IS NOT NULL)`);
    await db.run(`COPY (SELECT * EXCLUDE (copy), CAST(make_timestamp(ts * 1000) AS DATE) AS date FROM (
        SELECT *, row_number() OVER (PARTITION BY thing, boot, seq ORDER BY received_at) AS copy FROM readings) WHERE copy = 1)
      TO '${out}' (FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY (date, thing))`);
    const seconds = (performance.now() - t) / 1000;
    const rows = Number((await db.runAndReadAll(`SELECT count(*) FROM read_parquet('${path.join(out, "**", "*.parquet")}')`)).getRowsJS()[0]![0]);
    return { rows, seconds };
  } finally {
    db.closeSync();
    instance.closeSync();
    rmSync(out, { recursive: true, force: true });
  }
}

/** The Glue job's transformation on Spark in local mode, over the same raw lake (bench/spark_lake_etl.py). */
function sparkLocalMode(lakeDir: string): { curated: number; seconds: number; startup_s: number } | string {
  const run = spawnSync(".venv/bin/python", ["bench/spark_lake_etl.py", lakeDir, JSON.stringify(telemetryRanges())], { encoding: "utf8" });
  if (run.status !== 0)
    return `Spark run failed (is .venv/ prepared by test/prepare-machine.sh?): ${(run.stderr ?? String(run.error)).trim().split("\n").slice(-3).join(" ")}`;
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!);
}

const perSecond = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString("en-US");

const lakeDir = mkdtempSync(path.join(tmpdir(), "aqm-bench-etl-"));
try {
  let t = performance.now();
  const raw = generate(lakeDir);
  console.log(
    `generated ${raw.lines} raw lines holding ${raw.readings} readings (${raw.batched} of them in batches of up to ${BATCH_READINGS}) from ${BOARDS} boards in ${raw.objects} objects, ${mib(raw.bytes)} of JSON (${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );

  t = performance.now();
  const report = await new LakeCurator({ lakeDir }).curate();
  const seconds = (performance.now() - t) / 1000;
  console.log(
    `ETL: ${report.lines} lines, ${report.records} readings = ${report.curated} curated + ${report.duplicates} duplicates + ${report.quarantined} quarantined in ${seconds.toFixed(1)} s`,
  );
  console.log(
    `ETL throughput: ${Math.round(report.lines / seconds).toLocaleString("en-US")} raw lines/s (${Math.round(report.curated / seconds).toLocaleString("en-US")} curated rows/s)`,
  );
  const plain = await plainDuckDb(lakeDir);
  console.log(
    `plain DuckDB peer (read NDJSON, unnest batches, dedup, zstd Parquet by date/thing; no checks): ${plain.rows} rows in ${plain.seconds.toFixed(1)} s = ${perSecond(plain.rows, plain.seconds)} rows/s; the curation reaches ${((report.curated / seconds / (plain.rows / plain.seconds)) * 100).toFixed(0)} % of it`,
  );
  if (WITH_SPARK) {
    const spark = sparkLocalMode(lakeDir);
    console.log(
      typeof spark === "string"
        ? spark
        : `Spark local mode (local[2], one JVM on this machine, not a Glue cluster): ${spark.curated} curated rows in ${spark.seconds.toFixed(1)} s = ${perSecond(spark.curated, spark.seconds)} rows/s (+ ${spark.startup_s.toFixed(1)} s JVM start-up)`,
    );
  }

  const parquet = bytesUnder(path.join(lakeDir, "curated"), ".parquet");
  console.log(
    `Parquet (zstd, ${parquet.files} files in date/thing partitions): ${mib(parquet.bytes)} = ${((100 * parquet.bytes) / raw.bytes).toFixed(1)} % of the raw JSON (${(raw.bytes / parquet.bytes).toFixed(1)}× smaller), ${(parquet.bytes / report.curated).toFixed(1)} B per reading against ${(raw.bytes / raw.readings).toFixed(0)} B raw`,
  );

  t = performance.now();
  const idle = await new LakeCurator({ lakeDir }).curate();
  console.log(`incremental rerun with no new object: ${idle.objects} objects in ${((performance.now() - t) / 1000).toFixed(2)} s`);

  const lake = await LakeQuery.open(lakeDir);
  try {
    for (const q of loadNamedQueries()) {
      t = performance.now();
      // The one parameter any named query takes is a board: the first one the bench generated.
      const values = q.parameters.map((name) => {
        if (name !== "thing") throw new Error(`bench:etl has no value for parameter "${name}" of query ${q.name}`);
        return thingOf(1);
      });
      const { rows } = await lake.run(q.sql, values);
      console.log(`aqm query ${q.name}${values.map((v) => ` --param ${v}`).join("")}: ${rows.length} rows in ${((performance.now() - t) / 1000).toFixed(2)} s`);
    }
  } finally {
    lake.close();
  }
} finally {
  rmSync(lakeDir, { recursive: true, force: true });
}

await compactionFigures();
