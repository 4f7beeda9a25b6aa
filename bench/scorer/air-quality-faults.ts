/**
 * bench:scorer, air-quality part: real station series with sensor faults injected as labelled
 * windows, scored like NAB. Stations are split by host-tools/analysis/nab/corpus-split.ts (the
 * UCI set, a different city and sensor type, is always on the report side); every detector's
 * threshold is chosen on the choose half by one rule, then the report half is scored with it.
 */
import { readdirSync } from "node:fs";
import { FixedPointScorer } from "../../firmware/anomaly/FixedPointScorer.ts";
import { Q16_ONE } from "../../firmware/anomaly/Q16.ts";
import { parseScorerConfig, type ScorerConfig } from "../../firmware/anomaly/ScorerConfig.ts";
import { basename, join } from "node:path";
import { splitCorpus } from "../../host-tools/analysis/nab/corpus-split.ts";
import type { CostMatrix } from "../../host-tools/analysis/nab/cost-matrix.ts";
import { readBeijingRows, readUciRows, type AirQualityRows } from "../../host-tools/analysis/scorer/air-quality-csv.ts";
import { figuresAt, scoreFaultSeries, shippedThreshold, type FaultFigures, type RowScorer } from "../../host-tools/analysis/scorer/fault-detection.ts";
import { buildFaultSeries, FAULT_KINDS, FAULT_WINDOWS, type FaultSeries, type FaultSeriesPlan } from "../../host-tools/analysis/scorer/fault-injection.ts";
import { cached, inputStamp } from "./result-cache.ts";

/** 1,000 hourly rows (about six weeks) a series, a new one every 500 rows; the fault starts after NAB's probation and the scorer's warm-up. */
export const PLAN: Omit<FaultSeriesPlan, "seed"> = { length: 1000, stride: 500, onsetFrom: 500, onsetTo: 880 };
export const MAX_FALSE_ALARMS_PER_1000 = 1;

export interface AirDetector {
  readonly name: string;
  readonly fresh: (series: FaultSeries) => RowScorer;
  /** A threshold fixed in advance (the board's default), instead of one chosen by the rule. */
  readonly fixedThreshold?: number;
}

export interface AirCorpus {
  readonly choose: readonly FaultSeries[];
  readonly report: readonly FaultSeries[];
  readonly stations: { readonly choose: readonly string[]; readonly report: readonly string[] };
  /** Each station's whole record, the series above cut from it. */
  readonly records: ReadonlyMap<string, AirQualityRows>;
}

/** The UCI set is one station in another city, always on the report side. */
const UCI_STATION = "UCI-Italy";

function seedOf(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/** The PRSA_Data_<station>_… files of a Beijing multi-site folder, and the UCI file. */
export function buildAirCorpus(beijingDir: string, uciPath: string): AirCorpus & { readonly stamp: string } {
  const files = readdirSync(beijingDir).filter((file) => /^PRSA_Data_.+\.csv$/.test(file));
  if (files.length < 2) throw new Error(`${beijingDir}: expected the Beijing multi-site PRSA_Data_*.csv files, found ${files.length}`);
  const stationOf = (file: string) =>
    basename(file)
      .replace(/^PRSA_Data_/, "")
      .replace(/_\d+-\d+\.csv$/, "");
  const stations = files.map(stationOf);
  const split = splitCorpus(stations);
  const records = new Map<string, AirQualityRows>(files.map((file) => [stationOf(file), readBeijingRows(join(beijingDir, file))]));
  records.set(UCI_STATION, readUciRows(uciPath));
  const byStation = new Map([...records].map(([station, rows]) => [station, buildFaultSeries(station, rows, { ...PLAN, seed: seedOf(station) })]));
  return {
    choose: split.choose.flatMap((station) => byStation.get(station) ?? []),
    report: [...split.report, UCI_STATION].flatMap((station) => byStation.get(station) ?? []),
    stations: { choose: split.choose, report: [...split.report, UCI_STATION] },
    records,
    stamp: [...files.map((file) => inputStamp(join(beijingDir, file))), inputStamp(uciPath)].join(","),
  };
}

const num = (value: number, digits = 2, width = 6) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a").padStart(width);

function line(label: string, figures: FaultFigures): string {
  const kinds = figures.kinds.map((k) => `${num(k.recall)}/${num(k.chance, 2, 4)}`).join(" ");
  return `  ${label.padEnd(9)} ${num(figures.nab, 1)} ${num(figures.falseAlarmsPer1000, 2, 7)} ${num(figures.precision, 2, 5)} ${kinds} ${num(figures.episodeFlagsPer1000, 2, 8)}`;
}

export function runAirQuality(corpus: AirCorpus, detectors: readonly AirDetector[], standard: CostMatrix): void {
  const count = (set: readonly FaultSeries[]) => FAULT_KINDS.map((kind) => set.filter((s) => s.kind === kind).length).join("/");
  console.log(
    `\nAir-quality faults scored like NAB: ${PLAN.length}-row hourly series every ${PLAN.stride} rows, one fault each, onset drawn from rows ${PLAN.onsetFrom}…${PLAN.onsetTo}`,
  );
  console.log(
    `  windows from onset (rows): ${FAULT_KINDS.map((kind) => `${kind} ${FAULT_WINDOWS[kind]}`).join(", ")}; sizes in σ of the channel before onset (spike 6σ, step 3σ, drift 3σ over 72 rows)`,
  );
  console.log(`  choose stations ${corpus.stations.choose.join(", ")}: ${corpus.choose.length} series (${count(corpus.choose)} of ${FAULT_KINDS.join("/")})`);
  console.log(`  report stations ${corpus.stations.report.join(", ")}: ${corpus.report.length} series (${count(corpus.report)})`);
  console.log(
    `  threshold rule, the same for every detector: best NAB standard score on the choose half with ≤ ${MAX_FALSE_ALARMS_PER_1000} flag per 1,000 clean readings there`,
  );
  console.log(
    `  chance = the same share of the same windows flagged in the series with no fault injected; FA = flags per 1,000 clean readings after probation;`,
  );
  console.log(
    `  precision = detected windows / (detected + flags outside windows); episode = flags per 1,000 clean readings with PM2.5 ≥ 250 µg/m³ (a real episode, not a fault)`,
  );
  console.log(
    `  ${"half".padEnd(9)} ${"NAB".padStart(6)} ${"FA/1000".padStart(7)} ${"prec".padStart(5)} ${FAULT_KINDS.map((kind) => `${kind} rec/chance`.padStart(11)).join(" ")} episode`,
  );
  for (const detector of detectors) {
    const started = performance.now();
    const choose = scoreFaultSeries(corpus.choose, detector.fresh);
    const report = scoreFaultSeries(corpus.report, detector.fresh);
    const threshold = detector.fixedThreshold ?? shippedThreshold(choose, standard, MAX_FALSE_ALARMS_PER_1000);
    const how = detector.fixedThreshold === undefined ? "chosen by the rule" : "fixed in advance, not chosen on this data";
    const nothing =
      threshold === Number.POSITIVE_INFINITY ? ": no threshold within the false-alarm limit scores above the null detector, so it ships detecting nothing" : "";
    console.log(`${detector.name}: threshold ${threshold.toFixed(4)} ${how}${nothing} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    console.log(line("in-sample", figuresAt(choose, threshold, standard)));
    console.log(line("held-out", figuresAt(report, threshold, standard)));
    if (detector.fixedThreshold !== undefined) continue;
    const unlimited = shippedThreshold(choose, standard, Number.POSITIVE_INFINITY);
    console.log(
      line("no limit", figuresAt(report, unlimited, standard)) + `   held-out at NAB's rule alone (threshold ${unlimited.toFixed(4)}, no false-alarm limit)`,
    );
  }
}

/** The board's purpose-built tests, searched on the choosing half; 0 is "off". */
const TEST_SEARCH = { stuckReadings: [0, 24, 36, 48], jumpFactor: [0, 1, 4], sharedJumpDiscount: [0, 1, 2, 3, 4, 6] } as const;

/** Every setting of the search once: the discount means nothing with the jump test off. */
function testSettings(): { stuckReadings: number; jumpFactor: number; sharedJumpDiscount: number }[] {
  return TEST_SEARCH.stuckReadings.flatMap((stuckReadings) =>
    TEST_SEARCH.jumpFactor.flatMap((jumpFactor) =>
      (jumpFactor === 0 ? [0] : TEST_SEARCH.sharedJumpDiscount).map((sharedJumpDiscount) => ({ stuckReadings, jumpFactor, sharedJumpDiscount })),
    ),
  );
}

export function boardDetector(name: string, config: ScorerConfig): AirDetector {
  return {
    name,
    fresh: () => {
      const scorer = new FixedPointScorer(config);
      return { score: (row, second) => scorer.score(row, 0, second) / Q16_ONE };
    },
  };
}

/**
 * Chooses the stuck and jump tests' settings (with the jump's shared discount) for the board on the choosing half: the setting
 * whose shipped threshold (the same rule as every detector's) gives the best in-sample NAB score.
 */
export function chooseBoardTests(corpus: AirCorpus & { readonly stamp: string }, base: ScorerConfig, standard: CostMatrix): ScorerConfig {
  const search = cached("air-tests", { stamp: corpus.stamp, base, TEST_SEARCH, PLAN }, () =>
    testSettings().map((setting) => {
      const scored = scoreFaultSeries(corpus.choose, boardDetector("", parseScorerConfig({ ...base, ...setting })).fresh);
      const threshold = shippedThreshold(scored, standard, MAX_FALSE_ALARMS_PER_1000);
      const figures = figuresAt(scored, threshold, standard);
      return { ...setting, threshold, nab: figures.nab, falseAlarmsPer1000: figures.falseAlarmsPer1000 };
    }),
  );
  const ranked = [...search.value].sort((a, b) => b.nab - a.nab);
  const best = ranked[0] as (typeof ranked)[number];
  console.log(
    `\nThe board's stuck and jump tests, ${ranked.length} settings scored on the choose half only${search.fromCache ? " (from .cache/bench-scorer)" : ""}:`,
  );
  console.log(`  ${"stuckReadings".padStart(13)} ${"jumpFactor".padStart(11)} ${"sharedJumpDiscount".padStart(18)} threshold    NAB FA/1000`);
  for (const one of ranked)
    console.log(
      `  ${String(one.stuckReadings).padStart(13)} ${String(one.jumpFactor).padStart(11)} ${String(one.sharedJumpDiscount).padStart(18)} ${num(one.threshold, 4, 9)} ${num(one.nab, 1)} ${num(one.falseAlarmsPer1000, 2, 7)}`,
    );
  return parseScorerConfig({ ...base, stuckReadings: best.stuckReadings, jumpFactor: best.jumpFactor, sharedJumpDiscount: best.sharedJumpDiscount });
}
