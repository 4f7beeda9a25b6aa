/**
 * npm run bench:etl [records] — the local ETL (LakeCurator: the shared transformation on DuckDB)
 * on generated raw telemetry, 1 million records by default. Prints figures; asserts nothing.
 *
 * The raw lake is what the local Firehose writes: schema v2 records as the topic rule delivers
 * them (with topic_thing and received_at), in objects of up to 5 MiB under hourly UTC folders,
 * from 20 boards at the default 60 s interval, with 1 % QoS 1 redeliveries and 0.1 % corrupt
 * lines. Values follow smooth daily curves, as real air does, so the compression figure is not
 * flattered by constant columns nor spoilt by white noise.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RAW_PREFIX } from "../cloud/lib/lakePrefixes.ts";
import { firehoseKey } from "../host-tools/iot-core/LocalFirehose.ts";
import { LakeCurator } from "../host-tools/lake/LakeCurator.ts";
import { LakeQuery } from "../host-tools/lake/LakeQuery.ts";
import { loadNamedQueries } from "../host-tools/lake/SharedFiles.ts";

const RECORDS = Number(process.argv[2] ?? 1_000_000);
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

function reading(board: number, seq: number, ts: number, random: () => number): string {
  const thing = `aqm-bench-${String(board).padStart(3, "0")}`;
  const day = Math.sin((2 * Math.PI * (ts % DAY_MS)) / DAY_MS + board);
  const noise = () => random() - 0.5;
  return JSON.stringify({
    v: 2, thing, boot: 1, seq, ts, interval_s: 60,
    temperature_c: round(18 + 4 * day + noise(), 2), humidity_pct: round(50 - 10 * day + noise(), 2),
    pm1_ugm3: round(4 + 2 * day + noise(), 1), pm2_5_ugm3: round(8 + 4 * day + noise(), 1), pm10_ugm3: round(14 + 6 * day + noise(), 1),
    co_ppb: round(250 + 80 * day + 5 * noise(), 1), no2_ppb: round(15 + 8 * day + noise(), 1), so2_ppb: round(3 + day + noise(), 1), o3_ppb: round(30 - 10 * day + noise(), 1),
    anomaly: round(random() * 0.02, 3),
    health: { temperature_c: "ok", humidity_pct: "ok", pm1_ugm3: "ok", pm2_5_ugm3: "ok", pm10_ugm3: "ok", co_ppb: "ok", no2_ppb: "ok", so2_ppb: "ok", o3_ppb: "ok" },
    topic_thing: thing, received_at: ts + 200 + Math.floor(random() * 300),
  });
}

function generate(lakeDir: string): { lines: number; objects: number; bytes: number } {
  const random = pseudoRandom(8);
  let buffer: string[] = [];
  let bufferBytes = 0;
  let oldest = 0;
  let objects = 0;
  let bytes = 0;
  let lines = 0;
  const flush = () => {
    const text = buffer.join("\n") + "\n";
    const file = path.join(lakeDir, ...firehoseKey(RAW_PREFIX, "aqm-telemetry", oldest, String(objects).padStart(8, "0")).split("/"));
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
  for (let i = 0; lines < RECORDS; i++) {
    const board = i % BOARDS;
    const seq = Math.floor(i / BOARDS) + 1;
    const ts = START + seq * INTERVAL_MS + board * 1000;
    const line = reading(board, seq, ts, random);
    put(line, ts);
    const dice = random();
    if (dice < 0.01 && lines < RECORDS) put(line, ts);
    else if (dice < 0.011 && lines < RECORDS) put(line.slice(0, Math.floor(line.length / 2)), ts);
  }
  if (buffer.length > 0) flush();
  return { lines, objects, bytes };
}

function bytesUnder(dir: string, suffix: string): { files: number; bytes: number } {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(suffix));
  return { files: files.length, bytes: files.reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0) };
}

const lakeDir = mkdtempSync(path.join(tmpdir(), "aqm-bench-etl-"));
try {
  let t = performance.now();
  const raw = generate(lakeDir);
  console.log(`generated ${raw.lines} raw lines from ${BOARDS} boards in ${raw.objects} objects, ${mib(raw.bytes)} of JSON (${((performance.now() - t) / 1000).toFixed(1)} s)`);

  t = performance.now();
  const report = await new LakeCurator({ lakeDir }).curate();
  const seconds = (performance.now() - t) / 1000;
  console.log(`ETL: ${report.lines} lines = ${report.curated} curated + ${report.duplicates} duplicates + ${report.quarantined} quarantined in ${seconds.toFixed(1)} s`);
  console.log(`ETL throughput: ${Math.round(report.lines / seconds).toLocaleString("en-US")} raw lines/s (${Math.round(report.curated / seconds).toLocaleString("en-US")} curated rows/s)`);

  const parquet = bytesUnder(path.join(lakeDir, "curated"), ".parquet");
  console.log(`Parquet (zstd, ${parquet.files} files in date/thing partitions): ${mib(parquet.bytes)} = ${((100 * parquet.bytes) / raw.bytes).toFixed(1)} % of the raw JSON (${(raw.bytes / parquet.bytes).toFixed(1)}× smaller), ${(parquet.bytes / report.curated).toFixed(1)} B per reading against ${(raw.bytes / raw.lines).toFixed(0)} B raw`);

  t = performance.now();
  const idle = await new LakeCurator({ lakeDir }).curate();
  console.log(`incremental rerun with no new object: ${idle.objects} objects in ${((performance.now() - t) / 1000).toFixed(2)} s`);

  const lake = await LakeQuery.open(lakeDir);
  try {
    for (const q of loadNamedQueries()) {
      t = performance.now();
      const { rows } = await lake.run(q.sql);
      console.log(`aqm query ${q.name}: ${rows.length} rows in ${((performance.now() - t) / 1000).toFixed(2)} s`);
    }
  } finally {
    lake.close();
  }
} finally {
  rmSync(lakeDir, { recursive: true, force: true });
}
