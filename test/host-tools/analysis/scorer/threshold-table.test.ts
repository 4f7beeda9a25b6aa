import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Q16_ONE } from "../../../../firmware/anomaly/Q16.ts";
import { DEFAULT_SCORER_CONFIG } from "../../../../firmware/anomaly/ScorerConfig.ts";
import {
  TABLE_RATES,
  TABLE_SERIES,
  THRESHOLD_TABLE_FILE,
  syntheticScoresQ16,
  thresholdQ16ForRate,
  thresholdTable,
  thresholdTableJson,
  type ThresholdTable,
} from "../../../../host-tools/analysis/scorer/ThresholdTable.ts";

const committedText = readFileSync(THRESHOLD_TABLE_FILE, "utf8");
const committed = JSON.parse(committedText) as ThresholdTable;

test("threshold table: regenerating it with the float twin gives the committed cloud/lambda/threshold_table.json byte for byte", () => {
  assert.equal(thresholdTableJson(thresholdTable()), committedText);
});

test("threshold table: made with the board's default scorer config and the grid of rates, each threshold on the board's Q0.16 step", () => {
  const { threshold: _threshold, ...defaults } = DEFAULT_SCORER_CONFIG;
  assert.deepEqual(committed.config, defaults);
  assert.equal(committed.defaultThreshold, DEFAULT_SCORER_CONFIG.threshold);
  assert.deepEqual(committed.series, TABLE_SERIES);
  assert.deepEqual(
    committed.thresholds.map((row) => row.rate),
    TABLE_RATES,
  );
  // 180 days of one reading a minute, less 3 settling days.
  assert.equal(committed.scoredReadings, 177 * 1440);
  for (const { threshold } of committed.thresholds) assert.ok(Number.isInteger(threshold * Q16_ONE) && threshold > 0 && threshold < 1, `${threshold}`);
});

// The default threshold is chosen on real air-quality series with faults (bench:scorer), not on noise; plain noise must stay below the table's rarest rate.
test("threshold table: a higher anomaly rate needs a lower threshold; the default flags less than the rarest rate (0.05 %) of plain noise", () => {
  const thresholds = committed.thresholds.map((row) => row.threshold);
  for (let i = 1; i < thresholds.length; i++)
    assert.ok(thresholds[i]! < thresholds[i - 1]!, `t(${TABLE_RATES[i]}) = ${thresholds[i]} < t(${TABLE_RATES[i - 1]}) = ${thresholds[i - 1]}`);
  const t = (rate: number) => committed.thresholds.find((row) => row.rate === rate)!.threshold;
  assert.ok(DEFAULT_SCORER_CONFIG.threshold > t(TABLE_RATES[0]!), `${DEFAULT_SCORER_CONFIG.threshold} > t(${TABLE_RATES[0]}) = ${t(TABLE_RATES[0]!)}`);
});

test("threshold for a rate: the lowest Q0.16 step that at most floor(rate · n) scores reach, with ties kept below it", () => {
  const scores = [0, 7, 0, 9, 4, 0, 7, 0, 0, 0];
  assert.equal(thresholdQ16ForRate(scores, 0.1), 8); // only the 9
  assert.equal(thresholdQ16ForRate(scores, 0.15), 8); // floor(1.5) = 1 reading
  assert.equal(thresholdQ16ForRate(scores, 0.2), 8); // both 7s would make 3: still only the 9
  assert.equal(thresholdQ16ForRate(scores, 0.3), 5); // 9, 7, 7
  assert.equal(thresholdQ16ForRate(scores, 0.05), 10); // no reading at all
  assert.throws(() => thresholdQ16ForRate(scores, 0.4), {
    message: "threshold table: rate 0.4 has no threshold; only 4 of 10 scores are above 0 (share 0.4000)",
  });
  assert.throws(() => thresholdQ16ForRate(scores, 0), /rate 0 is not a share in \(0, 1\) of 10 scores/);
  assert.throws(() => thresholdQ16ForRate(scores, 1), /rate 1 is not a share in \(0, 1\) of 10 scores/);
});

test("threshold table: a series without one daily amplitude per channel is refused", () => {
  const { threshold: _threshold, ...config } = DEFAULT_SCORER_CONFIG;
  assert.throws(() => syntheticScoresQ16(config, { ...TABLE_SERIES, dailyAmplitudes: [1, 2] }), {
    message: "threshold table: series.dailyAmplitudes has 2 entries, expected one per channel (9)",
  });
});
