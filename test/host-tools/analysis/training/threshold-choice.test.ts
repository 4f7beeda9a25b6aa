import { test } from "node:test";
import assert from "node:assert/strict";
import { Q16_ONE } from "../../../../firmware/anomaly/Q16.ts";
import { countAtOrAbove, lowestThresholdWithin, scoreQuantiles } from "../../../../host-tools/analysis/training/ThresholdChoice.ts";

test("the lowest threshold within a budget sits one step above the first score that must not alert; ties stay below", () => {
  const scores = [5, 9, 9, 3, 0, 0];
  assert.equal(lowestThresholdWithin(scores, 0), 10);
  assert.equal(lowestThresholdWithin(scores, 1), 10, "the two 9s tie: allowing one alert cannot let either through");
  assert.equal(lowestThresholdWithin(scores, 2.9), 6);
  assert.equal(countAtOrAbove(scores, 6), 2);
  assert.equal(lowestThresholdWithin(scores, 4), 1, "the (budget+1)-th score is 0: the board's lowest threshold");
  assert.equal(lowestThresholdWithin(scores, 6), 1, "a budget as large as the history lets everything alert");
  assert.equal(lowestThresholdWithin([65535, 65535], 0), 65535, "clamped to the highest threshold the board can hold");
});

test("score quantiles are nearest-rank fractions of 1; none for no scores", () => {
  const scores = Array.from({ length: 1000 }, (_, i) => i * 64);
  assert.deepEqual(scoreQuantiles(scores), { p50: (499 * 64) / Q16_ONE, p99: (989 * 64) / Q16_ONE, p99_9: (998 * 64) / Q16_ONE, max: (999 * 64) / Q16_ONE });
  assert.equal(scoreQuantiles([]), null);
});
