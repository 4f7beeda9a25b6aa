import assert from "node:assert/strict";
import { test } from "node:test";
import { ProbationBand } from "../../../../host-tools/analysis/scorer/ProbationBand.ts";
import { WindowedGaussian } from "../../../../host-tools/analysis/scorer/WindowedGaussian.ts";

test("windowed Gaussian: z against the last readings of each channel, as z / (z + 1) of the worst channel, missing readings skipped", () => {
  const gaussian = new WindowedGaussian(2, 4, 4);
  for (const row of [
    [1, 5],
    [3, 5],
    [1, Number.NaN],
    [3, 5],
  ])
    assert.equal(gaussian.score(row), 0, "fewer than 4 readings: no score");
  // Window of channel 0: 1, 3, 1, 3 (mean 2, sd 1); channel 1: 5, 5, 5 plus nothing: only 3 readings yet.
  assert.equal(gaussian.score([4, 5]), 2 / 3);
  // Channel 0's window is now 3, 1, 3, 4; channel 1 has 5, 5, 5, 5 (sd 0): any other value is infinitely far.
  assert.equal(gaussian.score([2.75, 6]), 1);
  assert.equal(new WindowedGaussian(1, 3, 1).score([7]), 0);
});

test("fixed band per channel: centre and spread from the first readings, then fixed; a flat channel gets 1 % of its level", () => {
  const band = new ProbationBand(2, 20);
  for (let i = 0; i < 20; i++) assert.equal(band.score([100 + (i % 5) - 2, 8]), 0, `learning ${i}`);
  // Channel 0: median 100, |x − 100| has a 95th percentile of 2. Channel 1 never moved: spread 0.08.
  assert.equal(band.score([104, 8]), 2 / 3);
  assert.ok(Math.abs(band.score([100, 8.08]) - 0.5) < 1e-12);
  assert.equal(band.score([100, Number.NaN]), 0, "a missing reading scores nothing");
  assert.equal(band.score([1000, 8]), 450 / 451, "the band does not follow the level");
});
