import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { firstRunObjects, fixtureBase, nextRunObjects, utcDate, writeObjects } from "./rawFixture.ts";

const AQM = fileURLToPath(new URL("../../../../host-tools/field/cli/aqm.ts", import.meta.url));
const base = fixtureBase(Date.now());

function aqm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", AQM, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("aqm etl --compact curates, then merges each partition over --max-files into one file and says what it merged", () => {
  const state = mkdtempSync(path.join(tmpdir(), "aqm-cli-compact-"));
  const lake = path.join(state, "lake");
  writeObjects(lake, firstRunObjects(base));
  assert.equal(aqm("etl", "--state", state).status, 0);
  writeObjects(lake, nextRunObjects(base, 1));
  writeObjects(lake, nextRunObjects(base, 2));
  assert.equal(aqm("etl", "--state", state).status, 0, "one curation of both objects: one more file a partition");
  writeObjects(lake, nextRunObjects(base, 3));

  const run = aqm("etl", "--state", state, "--compact", "--max-files", "2");
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^aqm etl: 1 raw object, 2 lines, 2 readings = 2 curated \+ 0 duplicates \+ 0 quarantined/);
  assert.match(lines[1]!, /^aqm etl --compact: 2 partitions, 6 files → 2, \d+ rows \(run \S+\)$/);
  const partitions = [`date=${utcDate(base)}/thing=aqm-fix-001`, `date=${utcDate(base)}/thing=aqm-fix-002`];
  assert.deepEqual(
    lines
      .slice(2)
      .map((l) => l.replace(/, \d+ rows$/, ""))
      .sort(),
    partitions.map((p) => `  ${p}: 3 files → 1`),
  );
  for (const p of partitions) assert.equal(readdirSync(path.join(lake, "curated", ...p.split("/"))).length, 1);

  const again = aqm("etl", "--state", state, "--compact", "--max-files", "2");
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, `aqm etl: no new raw objects in ${lake}; nothing to do\naqm etl --compact: no partition holds more than 2 files; nothing to do\n`);
});

test("aqm etl: --max-files needs --compact and a whole number of at least 1", () => {
  const alone = aqm("etl", "--max-files", "4");
  assert.equal(alone.status, 2);
  assert.match(alone.stderr, /^aqm: --max-files goes with --compact/);
  const zero = aqm("etl", "--compact", "--max-files", "0");
  assert.equal(zero.status, 2);
  assert.match(zero.stderr, /^aqm: --max-files must be a whole number of at least 1, not "0"/);
});
