import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatResult } from "../../../../host-tools/local-cloud/lake/QueryOutput.ts";
import { firstRunObjects, fixtureBase, writeObjects } from "./rawFixture.ts";

const AQM = fileURLToPath(new URL("../../../../host-tools/field/cli/aqm.ts", import.meta.url));
const state = mkdtempSync(path.join(tmpdir(), "aqm-cli-"));
writeObjects(path.join(state, "lake"), firstRunObjects(fixtureBase(Date.now())));

function aqm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", AQM, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("aqm etl curates the state folder's lake and prints the counts that add up; a rerun has nothing to do", () => {
  const run = aqm("etl", "--state", state);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^aqm etl: 2 raw objects, 14 lines, 14 readings = 7 curated \+ 1 duplicates \+ 6 quarantined/);
  assert.match(run.stdout, /quarantined 1: unknown schema version v=9 \(known: 1, 2\)/);
  const again = aqm("etl", "--state", state);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /no new raw objects/);
});

test("aqm query: SQL or a named query, as JSON, CSV or a table", () => {
  const json = aqm("query", "SELECT thing, count(*) AS readings FROM telemetry GROUP BY thing ORDER BY thing", "--state", state, "--format", "json");
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), [
    { thing: "aqm-fix-001", readings: 3 },
    { thing: "aqm-fix-002", readings: 2 },
    { thing: "aqm-fix-003", readings: 2 },
  ]);
  const csv = aqm("query", "latest", "--state", state, "--format", "csv");
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split("\r\n");
  assert.match(lines[0]!, /^thing,at_utc,boot,seq,/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(",")[0]),
    ["aqm-fix-001", "aqm-fix-002", "aqm-fix-003"],
  );
  const table = aqm("query", "SELECT reason FROM quarantine ORDER BY source_file, line_number LIMIT 1", "--state", state);
  assert.equal(table.status, 0, table.stderr);
  const reason = "not a JSON object (truncated or malformed, or another JSON value)";
  assert.equal(table.stdout, `reason\n${"-".repeat(reason.length)}\n${reason}\n(1 row)\n`);
});

test("aqm query: bad SQL exits 1 with the engine's reason; an unknown name or format exits 2 saying what is known", () => {
  const bad = aqm("query", "SELECT nope FROM telemetry", "--state", state);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^aqm query: Binder Error: Referenced column "nope" not found/);
  const unknown = aqm("query", "lastest", "--state", state);
  assert.equal(unknown.status, 2);
  assert.match(
    unknown.stderr,
    /no named query "lastest" \(named queries: latest, hourly-averages, sensor-faults, anomalies-last-day, forecast-next-24h, forecast-limit-crossings, rcf-anomalies\)/,
  );
  const format = aqm("query", "latest", "--format", "xml");
  assert.equal(format.status, 2);
  assert.match(format.stderr, /--format must be one of table, csv, json, not xml/);
  const list = aqm("query", "--list");
  assert.equal(list.status, 0);
  assert.match(list.stdout, /^latest\n {4}Latest reading of every board/);
  assert.match(list.stdout, /\nforecast-next-24h --param THING\n {4}Tomorrow's forecast for a board/);
});

test("CSV quotes fields with commas, quotes or newlines, and leaves NULL empty; tables spell NULL out and right-align numbers", () => {
  const result = {
    columns: ["a", "b"],
    rows: [
      ["x,y", null],
      ['say "hi"', 2],
    ],
  };
  assert.equal(formatResult(result, "csv"), 'a,b\r\n"x,y",\r\n"say ""hi""",2\r\n');
  assert.equal(formatResult(result, "table"), 'a            b\n--------  ----\nx,y       NULL\nsay "hi"     2\n(2 rows)\n');
});
