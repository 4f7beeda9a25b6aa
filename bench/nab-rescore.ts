// Re-scores published NAB detector outputs with our scorer and compares with the scoreboard.
// Usage: node --import tsx bench/nab-rescore.ts [corpus-dir] [detector ...]
import { resolve } from "node:path";
import { rescoreDetector, readPublished } from "../host-tools/analysis/nab/detector-rescore.ts";
import { NabCorpus } from "../host-tools/analysis/nab/nab-corpus.ts";

const [corpusArg, ...detectorArgs] = process.argv.slice(2);
const corpus = new NabCorpus(resolve(corpusArg ?? "../shared/data/nab"));
const detectors = detectorArgs.length > 0 ? detectorArgs : ["numenta", "randomCutForest", "null"];
const published = readPublished<number>(corpus.resultsPath("final_results.json"));

const fixed = (value: number, width: number, digits = 2): string => value.toFixed(digits).padStart(width);
const rescoreRows: string[] = [];
const timings: string[] = [];
const sweepRows: string[] = [];
for (const detector of detectors) {
  const started = performance.now();
  const results = rescoreDetector(corpus, detector);
  timings.push(`${detector} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const result of results) {
    const expected = published[detector]?.[result.profile];
    const expectedText = typeof expected === "number" ? fixed(expected, 9) : "      n/a";
    const diffText = typeof expected === "number" ? fixed(result.normalised - expected, 10, 6) : "       n/a";
    rescoreRows.push(
      `${detector.padEnd(16)} ${result.profile.padEnd(19)} ${fixed(result.threshold, 9, 6)} ${fixed(result.normalised, 9)} ${expectedText} ${diffText}`,
    );
    const sweepThreshold = Number.isFinite(result.sweep.threshold) ? fixed(result.sweep.threshold, 9, 6) : "  (none)";
    sweepRows.push(
      `${detector.padEnd(16)} ${result.profile.padEnd(19)} ${fixed(result.threshold, 9, 6)} ${fixed(result.normalised, 9)} ${sweepThreshold} ${fixed(result.sweep.normalised, 9)} ${fixed(result.sweep.normalised - result.normalised, 10, 6)}`,
    );
  }
}
console.log(`NAB re-score of published per-row outputs, corpus ${corpus.root}`);
console.log(`${"detector".padEnd(16)} ${"profile".padEnd(19)} threshold      ours published       diff`);
for (const row of rescoreRows) console.log(row);
console.log("\nThreshold sweep (exact, over every distinct anomaly score) vs published thresholds");
console.log(`${"detector".padEnd(16)} ${"profile".padEnd(19)} published     score     swept     score       gain`);
for (const row of sweepRows) console.log(row);
console.log(`\nRead + score + sweep time per detector (3 profiles): ${timings.join(", ")}`);
