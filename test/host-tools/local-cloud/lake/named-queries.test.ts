import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LakeCurator } from "../../../../host-tools/local-cloud/lake/LakeCurator.ts";
import { LakeQuery, QueryFailed } from "../../../../host-tools/local-cloud/lake/LakeQuery.ts";
import { DEFAULT_SCORER_CONFIG } from "../../../../firmware/anomaly/ScorerConfig.ts";
import { loadNamedQueries } from "../../../../cloud/lib/namedQueries.ts";
import { firstRunObjects, fixtureBase, HOUR, MINUTE, secondRunObjects, writeObjects } from "./rawFixture.ts";

const base = fixtureBase(Date.now());
const lakeDir = path.join(mkdtempSync(path.join(tmpdir(), "aqm-query-")), "lake");
writeObjects(lakeDir, firstRunObjects(base));
await new LakeCurator({ lakeDir }).curate();
writeObjects(lakeDir, secondRunObjects(base));
await new LakeCurator({ lakeDir }).curate();

const definitions = loadNamedQueries();
const queries = new Map(definitions.map((q) => [q.name, q.sql]));
/** As Athena and DuckDB print a UTC timestamp. */
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")}${ms % 1000 ? `.${String(ms % 1000).padStart(3, "0")}` : ""}+00`;

async function named(name: string): Promise<Record<string, unknown>[]> {
  const sql = queries.get(name);
  assert.ok(sql, `named query ${name} is in cloud/athena/named-queries.json`);
  const lake = await LakeQuery.open(lakeDir);
  try {
    const { columns, rows } = await lake.run(sql);
    return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
  } finally {
    lake.close();
  }
}

test("the named queries are the seven an operator asks, each with a description", () => {
  assert.deepEqual(
    [...queries.keys()],
    ["latest", "hourly-averages", "sensor-faults", "anomalies-last-day", "forecast-next-24h", "forecast-limit-crossings", "rcf-anomalies"],
  );
  assert.ok(definitions.every((q) => q.description.length > 20));
});

test("every named query filters on the date partition of each table it reads, so Athena reads days, not the lake", () => {
  for (const q of definitions) {
    for (const table of ["telemetry", "forecasts", "anomaly_scores"]) {
      const reads = q.sql.match(new RegExp(`FROM ${table}\\b[^()]*`, "g")) ?? [];
      for (const from of reads) assert.match(from, /WHERE (\w+\.)?date >= current_date - INTERVAL '\d+' DAY/, `${q.name}: ${from}`);
    }
    assert.ok(/FROM (telemetry|forecasts|anomaly_scores)\b/.test(q.sql), `${q.name} reads a table`);
  }
});

test("the guideline table is joined in as written in cloud/limits/, not copied into the queries", () => {
  const crossings = definitions.find((q) => q.name === "forecast-limit-crossings")!;
  assert.match(
    crossings.sql,
    /JOIN \(VALUES \('pm2_5_ugm3', 'PM2\.5', DOUBLE '15', 24\), .*\('o3_ppb', 'O3', DOUBLE '50\.94', 8\).*\) AS limits \(channel, pollutant, level, averaging_hours\)/,
  );
  assert.ok(!crossings.sql.includes("{{"));
});

test("rcf-anomalies: locally the board's own score stands in for RCF's, flagged at the scorer's threshold, with the reading's values", async () => {
  const rows = await named("rcf-anomalies");
  assert.deepEqual(
    rows.map((r) => [r.thing, r.rcf_score, r.board_score, r.pm2_5_ugm3]),
    // The week's, highest first: also the reading two days old that anomalies-last-day leaves out.
    [
      ["aqm-fix-003", 0.9, 0.9, 5],
      ["aqm-fix-001", 0.85, 0.85, 9],
    ],
  );
});

test("latest: one row per board, its newest reading", async () => {
  const rows = await named("latest");
  assert.deepEqual(
    rows.map((r) => [r.thing, r.boot, r.seq, r.at_utc, r.pm2_5_ugm3]),
    [
      ["aqm-fix-001", 2, 1, utc(base + 5 * MINUTE), 7],
      ["aqm-fix-002", 7, 2, utc(base + HOUR + MINUTE), null],
      ["aqm-fix-003", 2, 1, utc(base + 90_000), 5],
    ],
  );
});

test("hourly-averages: readings and means per board and UTC hour over the last 24 hours", async () => {
  const rows = await named("hourly-averages");
  assert.deepEqual(
    rows.map((r) => [r.thing, r.hour_utc, r.readings, r.pm2_5_ugm3, r.max_anomaly]),
    [
      ["aqm-fix-001", utc(base), 4, 6.5, 0.85],
      ["aqm-fix-002", utc(base), 1, 4, null],
      ["aqm-fix-002", utc(base + HOUR), 1, null, null],
      ["aqm-fix-003", utc(base), 1, 5, 0.005],
    ],
  );
});

test("sensor-faults: the faulty channels of each board's latest reading, v1 sensors spread over their channels", async () => {
  const rows = await named("sensor-faults");
  assert.deepEqual(
    rows.map((r) => [r.thing, r.channel, r.health]),
    [
      ["aqm-fix-002", "pm10_ugm3", "fault:read"],
      ["aqm-fix-002", "pm1_ugm3", "fault:read"],
      ["aqm-fix-002", "pm2_5_ugm3", "fault:read"],
      ["aqm-fix-003", "co_ppb", "fault:nack"],
    ],
  );
});

test("anomalies-last-day: scores at or above the default threshold in the last 24 hours only", async () => {
  // The board's default threshold, not a copy that drifts when bench:scorer chooses another.
  const threshold = String(DEFAULT_SCORER_CONFIG.threshold);
  const query = definitions.find((q) => q.name === "anomalies-last-day")!;
  assert.ok(query.sql.includes(` anomaly >= ${threshold} `), query.sql);
  assert.ok(query.description.includes(`(${threshold},`), query.description);
  assert.ok(0.005 < DEFAULT_SCORER_CONFIG.threshold && DEFAULT_SCORER_CONFIG.threshold <= 0.85, "the fixture has one score on each side");
  const rows = await named("anomalies-last-day");
  assert.deepEqual(
    rows.map((r) => [r.thing, r.boot, r.seq, r.anomaly]),
    [["aqm-fix-001", 1, 2, 0.85]],
  );
});

test("ad-hoc SQL sees telemetry and quarantine; bad SQL fails with the engine's reason", async () => {
  const lake = await LakeQuery.open(lakeDir);
  try {
    const counts = await lake.run("SELECT (SELECT count(*) FROM telemetry) AS readings, (SELECT count(*) FROM quarantine) AS refused");
    assert.deepEqual(counts.rows, [[8, 7]]);
    await assert.rejects(lake.run("SELECT nope FROM telemetry"), (e: unknown) => e instanceof QueryFailed && /nope/.test(e.message));
  } finally {
    lake.close();
  }
});

test("an empty lake answers every named query with no rows", async () => {
  const lake = await LakeQuery.open(path.join(mkdtempSync(path.join(tmpdir(), "aqm-empty-")), "lake"));
  try {
    for (const q of definitions)
      assert.deepEqual(
        (
          await lake.run(
            q.sql,
            q.parameters.map(() => "aqm-fix-001"),
          )
        ).rows,
        [],
        q.name,
      );
    assert.deepEqual((await lake.run("SELECT count(*) FROM quarantine")).rows, [[0]]);
  } finally {
    lake.close();
  }
});
