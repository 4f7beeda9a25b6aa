import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { rescoreDetector, readPublished } from "../../host-tools/nab/detector-rescore.ts";
import { NabCorpus } from "../../host-tools/nab/nab-corpus.ts";

// The full corpus lives outside the repo; without it these checks cannot run.
const corpusDir = fileURLToPath(new URL("../../../shared/data/nab/", import.meta.url));
const skip = existsSync(corpusDir) ? false : `full NAB corpus not found at ${corpusDir}`;

describe("full NAB corpus re-score", { skip }, () => {
  for (const detector of ["numenta", "randomCutForest"]) {
    it(`${detector}: reproduces final_results.json within 0.1 and the sweep scores at least as well`, () => {
      const corpus = new NabCorpus(corpusDir);
      const published = readPublished<number>(corpus.resultsPath("final_results.json"));
      for (const result of rescoreDetector(corpus, detector)) {
        const expected = published[detector]?.[result.profile];
        assert.equal(typeof expected, "number", `final_results.json lacks ${detector}.${result.profile}`);
        assert.ok(Math.abs(result.normalised - (expected as number)) < 0.1, `${detector} ${result.profile}: ${result.normalised} vs ${expected}`);
        // Exact sweep vs NAB's published local search: never worse (float summation order allows 1e-9).
        assert.ok(result.sweep.normalised >= result.normalised - 1e-9, `${detector} ${result.profile}: sweep ${result.sweep.normalised} < ${result.normalised}`);
      }
    });
  }
});
