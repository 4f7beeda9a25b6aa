import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { LakeQuery } from "../../../host-tools/local-cloud/lake/LakeQuery.ts";
import { LakeLoop } from "../../../host-tools/twin/LakeLoop.ts";
import { writeObjects, objectKey } from "../local-cloud/lake/rawFixture.ts";
import { curatedState, DAY, HOUR, MINUTE, noise, records, T0 } from "../analysis/training/syntheticLake.ts";

/** A clean week at 10-minute readings with a daily cycle: enough for both a threshold and a forecast. */
const week = (thing: string) =>
  records({
    thing,
    from: T0,
    count: (7 * DAY) / (10 * MINUTE),
    intervalMs: 10 * MINUTE,
    valueOf: (channel, ts) => 20 + 5 * Math.sin((2 * Math.PI * (ts % DAY)) / DAY) + noise(channel, ts),
  });

test("a round curates new raw objects, fits each board's threshold and hands it to the shadows; boards with too little history are left out", async () => {
  const stateDir = await curatedState([
    ...week("aqm-loop-001"),
    ...records({ thing: "aqm-loop-002", from: T0, count: 20, intervalMs: MINUTE, valueOf: () => 5 }),
  ]);
  const lakeDir = path.join(stateDir, "lake");
  const late = records({ thing: "aqm-loop-002", from: T0 + 40 * MINUTE, count: 3, intervalMs: MINUTE, boot: 2, valueOf: () => 6 });
  writeObjects(lakeDir, { [objectKey(T0 + DAY, "aqm-loop-002-late")]: late.map((r) => JSON.stringify(r)) });
  const published: { thing: string; desired: Record<string, unknown> }[] = [];
  const notices: string[] = [];
  const loop = new LakeLoop({
    stateDir,
    etlEveryMs: 60_000,
    trainEveryMs: 0,
    publisher: { publishDesired: async (thing, desired) => void published.push({ thing, desired }) },
    onNotice: (line) => notices.push(line),
  });
  await loop.round(true);
  assert.equal(loop.figures.curated, 3, "only the object not curated before");
  assert.deepEqual(
    published.map((p) => p.thing),
    ["aqm-loop-001"],
  );
  const threshold = (published[0]!.desired.anomaly as { threshold: number }).threshold;
  assert.ok(threshold >= 0.0125 && threshold < 1, `a threshold the board accepts, not below the floor: ${threshold}`);
  assert.equal(loop.figures.thresholdsPublished, 1);
  assert.match(notices.at(-1)!, /^training \S+: 1 threshold\(s\) sent to the boards' shadows, 1 board\(s\) not \(report .*report\.md\)$/);
  assert.ok(existsSync(path.join(stateDir, "models")) && readdirSync(path.join(stateDir, "models")).length === 1, "the model report is kept");

  await loop.round();
  assert.equal(loop.figures.rounds, 2);
  assert.equal(loop.figures.curated, 3, "a rerun with nothing new curates nothing");
  assert.equal(loop.figures.trainings, 1, "training waits for its own schedule (never, here)");

  const forecasts = await loop.forecasts();
  assert.ok(
    forecasts.length > 0 && forecasts.every((f) => f.thing === "aqm-loop-001" && f.mean.length === 24),
    "a 24-hour forecast for the board with a week of history only",
  );
});

test("a round merges the partitions its curation has pushed over the limit, and the lake still holds each reading once", async () => {
  const stateDir = await curatedState(records({ thing: "aqm-loop-003", from: T0, count: 30, intervalMs: MINUTE, valueOf: () => 7 }));
  const lakeDir = path.join(stateDir, "lake");
  for (const [n, from] of [T0 + HOUR, T0 + 2 * HOUR].entries()) {
    const more = records({ thing: "aqm-loop-003", from, count: 5, intervalMs: MINUTE, boot: 2 + n, valueOf: () => 8 });
    writeObjects(lakeDir, { [objectKey(from, `aqm-loop-003-more-${n}`)]: more.map((r) => JSON.stringify(r)) });
  }
  const notices: string[] = [];
  const loop = new LakeLoop({
    stateDir,
    etlEveryMs: 60_000,
    trainEveryMs: 0,
    maxFilesPerPartition: 1,
    publisher: { publishDesired: async () => {} },
    onNotice: (line) => notices.push(line),
  });
  await loop.round();
  assert.equal(loop.figures.curated, 10);
  assert.equal(loop.figures.compactedPartitions, 1);
  assert.match(notices.at(-1)!, /^lake compaction \S+: 1 partition\(s\) over 1 files, 2 files → 1, 40 rows$/);
  const partition = path.join(lakeDir, "curated", `date=${new Date(T0).toISOString().slice(0, 10)}`, "thing=aqm-loop-003");
  assert.equal(readdirSync(partition).length, 1);
  const lake = await LakeQuery.open(lakeDir);
  try {
    assert.deepEqual((await lake.run("SELECT count(*), count(DISTINCT (boot, seq)) FROM telemetry")).rows, [[40, 40]]);
  } finally {
    lake.close();
  }
});
