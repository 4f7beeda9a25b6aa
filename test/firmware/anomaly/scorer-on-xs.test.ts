import assert from "node:assert/strict";
import test from "node:test";
import { FixedPointScorer } from "../../../firmware/anomaly/FixedPointScorer";
import { parseScorerConfig } from "../../../firmware/anomaly/ScorerConfig";
import { SCORE_MAX } from "../../../firmware/anomaly/Q16";
import { readBeijingRows } from "../../../host-tools/analysis/scorer/air-quality-csv.ts";
import { scoreOnXs } from "../../../host-tools/analysis/scorer/XsScorer.ts";

test(
  "the scorer gives bit-identical scores and state on the real XS engine and under Node, missing and faulty readings included",
  { timeout: 120_000 },
  async () => {
    const { rows, secondsOfDay } = readBeijingRows("test/fixtures/air-quality/beijing-aotizhongxin-2013-03.csv", 800);
    // Edge inputs the fixture lacks: infinities, a reading far past Q16.16, negative and tiny values.
    rows[500] = [Number.POSITIVE_INFINITY, 1e12, -1e12, 1e-9, -3, Number.NEGATIVE_INFINITY, -40, 0, 1e5];
    const faultMasks = rows.map((_, index) => (index % 97 === 0 ? 0b101 : 0));
    // The board's nine channels, with the stuck and jump tests on.
    const config = parseScorerConfig({ channels: 9, warmupReadings: 48, stuckReadings: 6, jumpFactor: 8, threshold: 0.3 });

    const node = new FixedPointScorer(config);
    const nodeScores = rows.map((row, index) => node.score(row, faultMasks[index], secondsOfDay[index]));
    const xs = await scoreOnXs(config, rows, faultMasks, secondsOfDay);

    assert.ok(
      rows.some((row) => row.some(Number.isNaN)),
      "the fixture has missing (NA) readings",
    );
    assert.ok(nodeScores.filter((score) => node.isAnomalous(score)).length > 0, "something is flagged, so the comparison covers scoring");
    assert.ok(
      nodeScores.some((score) => score === SCORE_MAX),
      "a stuck or jump test fires, so the comparison covers them",
    );
    assert.deepEqual(xs.scores, nodeScores);
    assert.deepEqual(xs.state, Array.from(node.snapshot()));
    console.log(`XS compute per sample (${config.channels} channels): ${(xs.scorerCompute / rows.length).toFixed(0)} operations`);
    assert.ok(xs.scorerCompute > 0);
  },
);
