import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { readProfiles } from "../../../../host-tools/analysis/nab/cost-matrix.ts";
import { readPublished } from "../../../../host-tools/analysis/nab/detector-rescore.ts";
import { NabCorpus } from "../../../../host-tools/analysis/nab/nab-corpus.ts";
import { NabScorer } from "../../../../host-tools/analysis/nab/nab-scorer.ts";

const fixture = new NabCorpus(fileURLToPath(new URL("../../../fixtures/nab/", import.meta.url)));
const series = "realAdExchange/exchange-2_cpc_results.csv";

// Published per-file raw scores, from results/<detector>/<detector>_<profile>_scores.csv.
const published = {
  numenta: { standard: 0.53195803375, reward_low_FP_rate: -1.66, reward_low_FN_rate: 0.53195803375 },
  randomCutForest: { standard: -1.0, reward_low_FP_rate: -1.0, reward_low_FN_rate: -2.0 },
} as const;

describe("NAB fixture regression (exchange-2_cpc_results)", () => {
  const profiles = readProfiles(fixture.configPath("profiles.json"));
  const thresholds = readPublished<{ threshold: number }>(fixture.configPath("thresholds.json"));
  for (const detector of ["numenta", "randomCutForest"] as const) {
    for (const [profile, expected] of Object.entries(published[detector]) as [keyof (typeof published)[typeof detector], number][]) {
      it(`${detector} ${profile} scores ${expected}`, () => {
        const { timestamps, values } = fixture.readDetectorScores(detector, series);
        const cost = profiles.get(profile);
        assert.ok(cost, `profiles.json lacks ${profile}`);
        const scorer = new NabScorer(cost);
        const points = scorer.scorePoints(series, timestamps, values, fixture.windowsOf(series));
        const threshold = thresholds[detector]?.[profile]?.threshold as number;
        assert.ok(Math.abs(scorer.scoreAtThreshold(points, threshold) - expected) < 1e-9);
      });
    }
  }

  it("names the missing detector output", () => {
    assert.throws(() => fixture.readDetectorScores("numenta", "realAdExchange/absent.csv"), /no numenta output for realAdExchange\/absent\.csv/);
  });
});
