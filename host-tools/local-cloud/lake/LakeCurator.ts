import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { TRANSFORM_SQL_FILE, telemetryRanges } from "../../../cloud/lib/transformFiles.ts";
import { visibleCuratedFiles } from "./CuratedFiles.ts";
import { CurationManifest, type CuratedObject } from "./CurationManifest.ts";
import { SESSION_SETTINGS, sqlString, transformStatements } from "./DuckDbDialect.ts";
import { moveFilesDurably } from "./DurableFiles.ts";
import { dateOfPartition, LakeLayout, type RawObject } from "./LakeLayout.ts";
import { lockLake } from "./LakeLock.ts";
import { newRunId } from "./RunId.ts";
import { NOT_UTF8_MARK, utf8Readable } from "./Utf8Screen.ts";

export interface LakeCuratorOptions {
  /** The lake: `<state>/lake`. */
  readonly lakeDir: string;
  /** The transformation. @default cloud/transform/telemetry.sql */
  readonly transformSqlFile?: string;
  /** Raw bytes read per DuckDB pass; bounds memory on a large backlog. @default 256 MiB */
  readonly batchBytes?: number;
}

export interface CurationReport {
  readonly run: string;
  /** Raw objects curated by this run (objects curated before are skipped). */
  readonly objects: number;
  readonly lines: number;
  /** Readings in those lines (a batch line holds several): curated + duplicates + quarantined. */
  readonly records: number;
  readonly curated: number;
  readonly duplicates: number;
  readonly quarantined: number;
  /** Quarantine reasons of this run, most frequent first. */
  readonly reasons: readonly { readonly reason: string; readonly records: number }[];
}

/** Raised when a run's counts do not add up: the run wrote nothing to the manifest, so a rerun retries. */
export class CurationMismatch extends Error {}

/**
 * The local ETL: raw newline-delimited JSON objects → curated Parquet (Hive partitions
 * `date=YYYY-MM-DD/thing=…`, zstd) and quarantine (JSON lines with the reason, object key and line
 * number, by ingest date), with the shared transformation run by DuckDB.
 *
 * Incremental: objects already in the manifest are skipped. A reading already curated by an
 * earlier run (a board resending after a reconnect) is counted as a duplicate, not written again.
 * Every reading is accounted for (a batch line holds several): readings = curated + duplicates +
 * quarantined, per object, or the run fails before it records the object.
 */
export class LakeCurator {
  readonly #layout: LakeLayout;
  readonly #transformSqlFile: string;
  readonly #batchBytes: number;

  constructor(options: LakeCuratorOptions) {
    this.#layout = new LakeLayout(options.lakeDir);
    this.#transformSqlFile = options.transformSqlFile ?? TRANSFORM_SQL_FILE;
    this.#batchBytes = options.batchBytes ?? 256 * 1024 * 1024;
  }

  async curate(): Promise<CurationReport> {
    const layout = this.#layout;
    const run = newRunId();
    const release = await lockLake(layout.lockFile, "curation");
    try {
      // Left by a run that died before recording its objects, which this run curates again.
      await rm(layout.stagingDir, { recursive: true, force: true });
      const manifest = await CurationManifest.load(layout.manifestFile);
      const pending = (await layout.rawObjects()).filter((o) => !manifest.has(o.key));
      const totals = { lines: 0, records: 0, curated: 0, duplicates: 0, quarantined: 0 };
      const reasons = new Map<string, number>();
      if (pending.length > 0) {
        const transform = await readFile(this.#transformSqlFile, "utf8");
        const instance = await DuckDBInstance.create(":memory:");
        const db = await instance.connect();
        const scratchDir = await mkdtemp(path.join(tmpdir(), "aqm-curate-"));
        try {
          for (const statement of [...SESSION_SETTINGS, "SET preserve_insertion_order = false"]) await db.run(statement);
          for (const [batchIndex, batch] of batches(pending, this.#batchBytes).entries()) {
            const done = await this.#curateBatch(db, transform, batch, run, batchIndex, scratchDir);
            await manifest.record(done.objects);
            for (const o of done.objects) {
              totals.lines += o.lines;
              totals.records += o.records;
              totals.curated += o.curated;
              totals.duplicates += o.duplicates;
              totals.quarantined += o.quarantined;
            }
            for (const [reason, n] of done.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
          }
        } finally {
          db.closeSync();
          instance.closeSync();
          await rm(scratchDir, { recursive: true, force: true });
          await rm(layout.stagingDir, { recursive: true, force: true });
        }
      }
      return {
        run,
        objects: pending.length,
        ...totals,
        reasons: [...reasons].map(([reason, records]) => ({ reason, records })).sort((a, b) => b.records - a.records || a.reason.localeCompare(b.reason)),
      };
    } finally {
      await release();
    }
  }

  async #curateBatch(
    db: DuckDBConnection,
    transform: string,
    batch: readonly RawObject[],
    run: string,
    batchIndex: number,
    scratchDir: string,
  ): Promise<{ objects: CuratedObject[]; reasons: Map<string, number> }> {
    const layout = this.#layout;
    const paths = await Promise.all(batch.map((o, i) => utf8Readable(layout.fileOf(o.key), scratchDir, `${batchIndex}-${i}`)));
    await db.run(
      `CREATE OR REPLACE TEMPORARY TABLE raw_objects AS SELECT * FROM (VALUES ${batch.map((o, i) => `(${sqlString(o.key)}, ${sqlString(paths[i]!)})`).join(", ")}) AS o (key, path)`,
    );
    // One row per line, numbered from 1 within its object; the newline that ends the last line
    // does not start another (Spark's side of the contract drops the same empty string). The screen
    // marked each line that is not UTF-8; the transformation takes the flag, and the line without the mark.
    await db.run(`CREATE OR REPLACE TEMPORARY TABLE raw_lines AS
      SELECT source_file, line_number, CASE WHEN marked THEN substr(line, ${NOT_UTF8_MARK.length + 1}) ELSE line END AS line, NOT marked AS utf8
      FROM (SELECT *, starts_with(line, ${sqlString(NOT_UTF8_MARK)}) AS marked
        FROM (SELECT o.key AS source_file, len(t.lines) AS lines_in_object, CAST(unnest(generate_series(1, len(t.lines))) AS BIGINT) AS line_number, unnest(t.lines) AS line
          FROM (SELECT filename, string_split(content, chr(10)) AS lines FROM read_text([${paths.map(sqlString).join(", ")}])) t JOIN raw_objects o ON t.filename = o.path))
      WHERE line_number < lines_in_object OR line <> ''`);
    for (const statement of transformStatements(transform, telemetryRanges())) await db.run(statement);
    // The three outputs all read raw_checked: check each line once, not three times. A reading's
    // texts (health, batch) and the topic rule's fields (read from the envelope) are not read
    // again, and DuckDB writes the table faster without them; the row gives r back.
    await db.run(`CREATE OR REPLACE TEMPORARY TABLE checked_lines AS
      SELECT * EXCLUDE (r), r.* EXCLUDE (health, batch, topic_thing, received_at) FROM raw_checked`);
    await db.run(`CREATE OR REPLACE TEMPORARY VIEW raw_checked AS SELECT c.*, c AS r FROM checked_lines c`);
    await db.run(`CREATE OR REPLACE TEMPORARY TABLE batch_curated AS SELECT * FROM curated`);
    await db.run(`CREATE OR REPLACE TEMPORARY TABLE batch_quarantine AS SELECT * FROM quarantine`);
    await db.run(`CREATE OR REPLACE TEMPORARY TABLE batch_duplicates AS SELECT source_file FROM duplicates`);

    // Readings an earlier run kept. A copy has the same ts, so the same date partition: only the
    // partitions of the dates this batch writes to are read.
    const dates = new Set((await rows(db, `SELECT DISTINCT date FROM batch_curated`)).map((r) => String(r[0])));
    const earlierFiles = dates.size > 0 ? (await visibleCuratedFiles(layout)).filter((f) => dates.has(dateOfPartition(layout.partitionOf(f)))) : [];
    const earlier =
      earlierFiles.length > 0
        ? `(SELECT thing, boot, seq FROM read_parquet([${earlierFiles.map(sqlString).join(", ")}], hive_partitioning = true, hive_types = {'date': 'DATE', 'thing': 'VARCHAR'}))`
        : `(SELECT thing, boot, seq FROM batch_curated WHERE false)`;
    await db.run(`CREATE OR REPLACE TEMPORARY TABLE new_curated AS SELECT b.* FROM batch_curated b ANTI JOIN ${earlier} e USING (thing, boot, seq)`);

    const counted = await rows(
      db,
      `
      WITH per AS (
        SELECT source_file, 1 AS lines, 0 AS records, 0 AS curated, 0 AS duplicates, 0 AS quarantined FROM raw_lines
        UNION ALL SELECT source_file, 0, 1, 0, 0, 0 FROM checked_lines
        UNION ALL SELECT source_file, 0, 0, 0, 1, 0 FROM batch_duplicates
        -- What the batch kept, less what an earlier run had kept (new_curated is part of batch_curated): a duplicate.
        UNION ALL SELECT source_file, 0, 0, 0, 1, 0 FROM batch_curated
        UNION ALL SELECT source_file, 0, 0, 1, -1, 0 FROM new_curated
        UNION ALL SELECT source_file, 0, 0, 0, 0, 1 FROM batch_quarantine)
      SELECT source_file, sum(lines), sum(records), sum(curated), sum(duplicates), sum(quarantined) FROM per GROUP BY source_file`,
    );
    const byKey = new Map(counted.map((r) => [String(r[0]), r.slice(1).map(Number)]));
    const objects = batch.map((o): CuratedObject => {
      const [lines, records, curated, duplicates, quarantined] = byKey.get(o.key) ?? [0, 0, 0, 0, 0];
      return { key: o.key, bytes: o.bytes, lines: lines!, records: records!, curated: curated!, duplicates: duplicates!, quarantined: quarantined!, run };
    });
    const unaccounted = objects.filter((o) => o.records !== o.curated + o.duplicates + o.quarantined);
    if (unaccounted.length > 0) {
      const o = unaccounted[0]!;
      throw new CurationMismatch(
        `${o.key}: ${o.records} readings but ${o.curated} curated + ${o.duplicates} duplicates + ${o.quarantined} quarantined; nothing was recorded as curated`,
      );
    }

    // Written under the staging folder and moved into the lake file by file once complete, before
    // the manifest records the objects: a crash leaves no half file where readers look, and the
    // next run curates the objects again, finding what was moved already as duplicates.
    const staging = path.join(layout.stagingDir, `${run}-${batchIndex}`);
    const stagedCurated = path.join(staging, "curated");
    const stagedQuarantine = path.join(staging, "quarantine");
    if (objects.some((o) => o.curated > 0)) {
      await mkdir(staging, { recursive: true });
      await db.run(`COPY (SELECT * FROM new_curated ORDER BY thing, ts) TO ${sqlString(stagedCurated)}
        (FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY (date, thing), FILENAME_PATTERN ${sqlString(`${run}-{uuid}`)})`);
    }
    const reasons = new Map<string, number>();
    if (objects.some((o) => o.quarantined > 0)) {
      await mkdir(layout.quarantineDir, { recursive: true });
      // By the day the raw object arrived (its Firehose key), as the Glue job lays quarantine out;
      // DuckDB's JSON writer does not partition, so one COPY per day.
      await db.run(`CREATE OR REPLACE TEMPORARY TABLE batch_quarantine_days AS
        SELECT coalesce(nullif(replace(regexp_extract(source_file, '^raw/([0-9]{4}/[0-9]{2}/[0-9]{2})/', 1), '/', '-'), ''), 'unknown') AS ingest_date, *
        FROM batch_quarantine`);
      for (const [day] of await rows(db, `SELECT DISTINCT ingest_date FROM batch_quarantine_days`)) {
        const dir = path.join(stagedQuarantine, `ingest_date=${String(day)}`);
        await mkdir(dir, { recursive: true });
        await db.run(`COPY (SELECT reason, source_file, line_number, item, line FROM batch_quarantine_days WHERE ingest_date = ${sqlString(String(day))} ORDER BY source_file, line_number, item)
          TO ${sqlString(path.join(dir, `${run}-${batchIndex}.json`))} (FORMAT JSON)`);
      }
      for (const r of await rows(db, `SELECT reason, count(*) FROM batch_quarantine GROUP BY reason`)) reasons.set(String(r[0]), Number(r[1]));
    }
    await moveFilesDurably(await layout.filesBelow(stagedCurated), stagedCurated, layout.curatedDir);
    await moveFilesDurably(await layout.filesBelow(stagedQuarantine), stagedQuarantine, layout.quarantineDir);
    for (const table of [
      "raw_objects",
      "raw_lines",
      "checked_lines",
      "batch_curated",
      "batch_quarantine",
      "batch_duplicates",
      "batch_quarantine_days",
      "new_curated",
    ])
      await db.run(`DROP TABLE IF EXISTS ${table}`);
    return { objects, reasons };
  }
}

async function rows(db: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await db.runAndReadAll(sql)).getRowsJS();
}

function batches(objects: readonly RawObject[], maxBytes: number): RawObject[][] {
  const out: RawObject[][] = [];
  let current: RawObject[] = [];
  let bytes = 0;
  for (const o of objects) {
    if (current.length > 0 && bytes + o.bytes > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(o);
    bytes += o.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
