import assert from "node:assert/strict";
import test from "node:test";
import { DEFAULT_SCORER_CONFIG, parseScorerConfig, ScorerConfigError } from "../../../firmware/anomaly/ScorerConfig";

test("an empty config takes the documented defaults", () => {
  assert.deepEqual(parseScorerConfig({}), DEFAULT_SCORER_CONFIG);
});

test("a bad value is refused with the field's name and the value given", () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ meanShift: 0 }, "meanShift", /meanShift: expected an integer from 1 to 15, got 0/],
    [{ deviationShift: 2.5 }, "deviationShift", /got 2\.5/],
    [{ knee: "20" }, "knee", /knee: .*got "20"/],
    [{ channels: 57 }, "channels", /channels: expected an integer from 1 to 56, got 57/],
    [{ threshold: 1 }, "threshold", /threshold: expected a number between 0 and 1 \(exclusive\), got 1/],
    [{ threshold: Number.NaN }, "threshold", /got null/],
    [{ peakDecayShift: -1 }, "peakDecayShift", /got -1/],
    [{ warmupReadings: null }, "warmupReadings", /got null/],
    [{ seasonalBins: 5 }, "seasonalBins", /seasonalBins: expected 0 or a divisor of 24, got 5/],
    [{ treshold: 0.5 }, "treshold", /treshold: unknown setting, got 0\.5/],
    [{ sharedJumpDiscount: 9 }, "sharedJumpDiscount", /sharedJumpDiscount: expected an integer from 0 to 8, got 9/],
    [{ noveltyBand: 16 }, "noveltyBand", /noveltyBand: expected an integer from 0 to 15, got 16/],
  ];
  for (const [source, field, message] of cases) {
    assert.throws(
      () => parseScorerConfig(source),
      (error: unknown) => {
        assert.ok(error instanceof ScorerConfigError);
        assert.equal(error.field, field);
        assert.match(error.message, message);
        assert.match(error.message, /^anomaly scorer config\./);
        return true;
      },
    );
  }
});

test("valid settings from the cloud pass through unchanged", () => {
  const config = parseScorerConfig({
    channels: 3,
    meanShift: 4,
    deviationShift: 9,
    knee: 5,
    peakDecayShift: 12,
    warmupReadings: 0,
    stuckReadings: 6,
    threshold: 0.25,
  });
  assert.equal(config.channels, 3);
  assert.equal(config.stuckReadings, 6);
  assert.equal(config.threshold, 0.25);
});
