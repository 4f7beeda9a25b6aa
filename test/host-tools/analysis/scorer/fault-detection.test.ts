import assert from "node:assert/strict";
import { test } from "node:test";
import type { CostMatrix } from "../../../../host-tools/analysis/nab/cost-matrix.ts";
import { EPISODE_PM25, figuresAt, scoreFaultSeries, shippedThreshold, type RowScorer } from "../../../../host-tools/analysis/scorer/fault-detection.ts";
import { buildFaultSeries, type FaultSeries } from "../../../../host-tools/analysis/scorer/fault-injection.ts";

const standard: CostMatrix = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

/** A toy station: PM2.5 with a real episode (≥ 250) on rows 200…299 of every 1000, and a flat second channel. */
const station = Array.from({ length: 6500 }, (_, i) => [i % 1000 >= 200 && i % 1000 < 300 ? 300 : 40 + (i % 5), 7 + (i % 3)]);
const data = { channels: ["PM2.5", "SO2"], rows: station, secondsOfDay: station.map((_, i) => (i % 24) * 3600) };
const series = buildFaultSeries("Toy", data, { length: 1000, stride: 500, onsetFrom: 500, onsetTo: 880, seed: 3 });

/** Scores 0.9 on the first row that differs from the clean rows, 0.5 on every clean row of an episode, 0 elsewhere: it knows the answer. */
function oracle(one: FaultSeries): RowScorer {
  let row = 0;
  let found = false;
  return {
    score: (values) => {
      const clean = one.clean[row++] as readonly number[];
      if (values.some((value, channel) => value !== clean[channel])) {
        if (found) return 0;
        found = true;
        return 0.9;
      }
      return (values[0] as number) >= EPISODE_PM25 ? 0.5 : 0;
    },
  };
}

test("at a threshold above the episodes, the oracle finds every fault as it shows, with no chance hit, no false alarm, precision 1", () => {
  const scored = scoreFaultSeries(series, oracle);
  const figures = figuresAt(scored, 0.9, standard);
  for (const kind of figures.kinds) assert.ok(kind.windows > 0 && kind.recall === 1 && kind.chance === 0, JSON.stringify(kind));
  // A drift starts at 0 offset, so its first changed row is the one after onset.
  assert.deepEqual(
    figures.kinds.map((kind) => kind.medianDelay),
    [0, 0, 0, 0, 1, 0],
  );
  assert.equal(figures.falseAlarmsPer1000, 0);
  assert.equal(figures.precision, 1);
  assert.ok(figures.nab > 99.9, `NAB ${figures.nab}`);
  assert.ok(figures.episodeReadings > 0);
  assert.equal(figures.episodeFlagsPer1000, 0);
});

test("at a threshold that catches the episodes too, they count as false alarms, and the shipped threshold keeps them out", () => {
  const scored = scoreFaultSeries(series, oracle);
  const low = figuresAt(scored, 0.5, standard);
  assert.equal(low.episodeFlagsPer1000, 1000, "every episode reading is flagged");
  // The episodes are rows 200…299 of every 1000 and probation is 150 rows: 100 of the 850 scored rows of most series.
  assert.ok(low.falseAlarmsPer1000 > 50, `${low.falseAlarmsPer1000}`);
  assert.ok(low.precision < 0.1);
  assert.equal(shippedThreshold(scored, standard, 1), 0.9, "1 false alarm per 1,000 rules 0.5 out");
});

test("a detector that flags every reading has recall 1 and chance 1: no evidence of detection", () => {
  const always = scoreFaultSeries(series, () => ({ score: () => 1 }));
  const figures = figuresAt(always, 1, standard);
  assert.ok(figures.kinds.every((kind) => kind.recall === 1 && kind.chance === 1));
  assert.equal(figures.falseAlarmsPer1000, 1000);
  assert.equal(shippedThreshold(always, standard, 1), Number.POSITIVE_INFINITY, "no admissible threshold: the board would flag nothing");
});
