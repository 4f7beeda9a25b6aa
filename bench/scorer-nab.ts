/**
 * npm run bench:scorer [-- options] — the on-board anomaly scorer (firmware/anomaly/) and its
 * float twin beside baselines, under one protocol: parameters and thresholds chosen on one half
 * of each corpus, figures reported on the other, in-sample printed beside held-out. Prints; asserts nothing.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Q16_ONE, thresholdQ16 } from "../firmware/anomaly/Q16.ts";
import { parseScorerConfig, type ScorerConfig } from "../firmware/anomaly/ScorerConfig.ts";
import { readProfiles } from "../host-tools/analysis/nab/cost-matrix.ts";
import { NabCorpus } from "../host-tools/analysis/nab/nab-corpus.ts";
import { BEIJING_CHANNELS } from "../host-tools/analysis/scorer/air-quality-csv.ts";
import { FloatScorer } from "../host-tools/analysis/scorer/FloatScorer.ts";
import { ProbationBand } from "../host-tools/analysis/scorer/ProbationBand.ts";
import { WindowedGaussian } from "../host-tools/analysis/scorer/WindowedGaussian.ts";
import { boardDetector, buildAirCorpus, chooseBoardTests, runAirQuality, type AirDetector } from "./scorer/air-quality-faults.ts";
import { runCloudTableCheck } from "./scorer/cloud-table-check.ts";
import { runNabHeldOut } from "./scorer/nab-held-out.ts";
import { runXsCost } from "./scorer/xs-cost.ts";

const DEFAULTS = {
  nab: "../shared/data/nab",
  beijing: "../shared/data/beijing-multisite",
  uci: "../shared/data/uci-air-quality/AirQualityUCI.csv",
};
const USAGE = `usage: npm run bench:scorer [-- --nab DIR] [--results DIR]... [--beijing DIR] [--uci FILE]

  --nab DIR       a NAB corpus (data/, labels/, config/, results/); default ${DEFAULTS.nab}
  --results DIR   another folder of NAB per-row detector outputs (numenta/NAB's results/), to rank
                  every scoreboard detector under the same protocol; the corpus's results/ is always read
  --beijing DIR   the Beijing multi-site PRSA_Data_*.csv files; default ${DEFAULTS.beijing}
  --uci FILE      the UCI AirQualityUCI.csv; default ${DEFAULTS.uci}
  -h, --help      this text

See bench/README.md for the run time; parameter searches are cached under .cache/bench-scorer/`;

function parseArguments(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        nab: { type: "string" },
        results: { type: "string", multiple: true },
        beijing: { type: "string" },
        uci: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const nab = resolve(parsed.values.nab ?? DEFAULTS.nab);
  const beijing = resolve(parsed.values.beijing ?? DEFAULTS.beijing);
  const uci = resolve(parsed.values.uci ?? DEFAULTS.uci);
  const results = (parsed.values.results ?? []).map((dir) => resolve(dir));
  for (const [what, path] of [["--beijing", beijing], ["--uci", uci], ...results.map((dir) => ["--results", dir])] as const) {
    if (!existsSync(path)) {
      console.error(`${what}: nothing at ${path}\n\n${USAGE}`);
      process.exit(2);
    }
  }
  return { nab, beijing, uci, results };
}

const args = parseArguments(process.argv.slice(2));
let corpus: NabCorpus;
try {
  corpus = new NabCorpus(args.nab);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
const started = performance.now();
const nabConfig = runNabHeldOut(corpus, [corpus.resultsPath(""), ...args.results]);

const standard = readProfiles(corpus.configPath("profiles.json")).get("standard");
if (!standard) throw new Error(`${corpus.configPath("profiles.json")}: no standard profile`);
const air = buildAirCorpus(args.beijing, args.uci);
// The board's scorer: the structural parameters chosen on NAB's choosing half, nine channels, and the tests chosen on the air-quality choosing half.
const board: ScorerConfig = chooseBoardTests(air, parseScorerConfig({ ...nabConfig, channels: BEIJING_CHANNELS.length }), standard);
const shipped = parseScorerConfig({ channels: BEIJING_CHANNELS.length });
const detectors: AirDetector[] = [
  boardDetector(`aqm fixed point (ours, ${JSON.stringify({ ...board, threshold: "chosen below" })})`, board),
  {
    ...boardDetector(`aqm fixed point as shipped today (DEFAULT_SCORER_CONFIG: ${JSON.stringify(shipped)})`, shipped),
    fixedThreshold: thresholdQ16(shipped.threshold) / Q16_ONE,
  },
  {
    name: "aqm float twin (ours, same config)",
    fresh: () => {
      const scorer = new FloatScorer(board);
      return { score: (row, second) => scorer.score(row, 0, second) };
    },
  },
  {
    name: "windowed Gaussian (last 168 readings a channel, z of the worst channel)",
    fresh: () => new WindowedGaussian(BEIJING_CHANNELS.length, 168),
  },
  {
    name: `fixed threshold per channel (band learnt over each series' first 150 readings)`,
    fresh: () => new ProbationBand(BEIJING_CHANNELS.length, 150),
  },
];
runAirQuality(air, detectors, standard);
runCloudTableCheck(air.records);
await runXsCost(join(args.beijing, "PRSA_Data_Aotizhongxin_20130301-20170228.csv"), board);
console.log(`\nbench:scorer total ${((performance.now() - started) / 1000).toFixed(0)} s`);
