/**
 * bench:scorer, cloud part: what share of real readings the cloud's threshold calibration flags
 * when it aims at a share p. It fits t(p) on a board's own earlier scores
 * (cloud/lambda/calibrate_thresholds.py fitted_threshold; here thresholdQ16ForRate, the same rule on
 * the board's unrounded scores) and falls back to the threshold table
 * (cloud/lambda/threshold_table.json, t(p) measured on synthetic noise) for a board with too few;
 * both are tried here on each station's whole record, scored by the board with the table's config.
 */
import { readFileSync } from "node:fs";
import { FixedPointScorer } from "../../firmware/anomaly/FixedPointScorer.ts";
import { thresholdQ16 } from "../../firmware/anomaly/Q16.ts";
import { parseScorerConfig } from "../../firmware/anomaly/ScorerConfig.ts";
import type { AirQualityRows } from "../../host-tools/analysis/scorer/air-quality-csv.ts";
import { THRESHOLD_TABLE_FILE, thresholdQ16ForRate, type ThresholdTable } from "../../host-tools/analysis/scorer/ThresholdTable.ts";

/** Readings a fit uses and the readings after it that judge it: at one reading an hour, 12 weeks and 4 (the cloud's defaults are 28 days and 7 at one a minute). */
export const FIT_READINGS = 2016;
export const JUDGE_READINGS = 672;
/** Rates with at least 10 readings above the fitted line (calibrate_thresholds.py MIN_FIT_FLAGS) in FIT_READINGS. */
const FIT_RATES = [0.005, 0.01, 0.02];

function quartiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.floor(q * (sorted.length - 1))] as number).toFixed(2);
  return `${at(0.25)} / ${at(0.5)} / ${at(0.75)}`;
}

export function runCloudTableCheck(stations: ReadonlyMap<string, AirQualityRows>): void {
  const table = JSON.parse(readFileSync(THRESHOLD_TABLE_FILE, "utf8")) as ThresholdTable;
  const config = parseScorerConfig({ ...table.config, threshold: table.defaultThreshold });
  // Q0.16 scores after warm-up, one array a station, as the board sends them (before rounding).
  const records = [...stations.values()].map(({ rows, secondsOfDay }) => {
    const scorer = new FixedPointScorer(config);
    const scores = rows.map((row, index) => scorer.score(row, 0, secondsOfDay[index] as number));
    return Int32Array.from(scores.slice(config.warmupReadings));
  });
  const all = records.flatMap((scores) => [...scores]);
  const share = (scores: ArrayLike<number>, thresholdQ16: number) =>
    Array.prototype.filter.call(scores, (score: number) => score >= thresholdQ16).length / scores.length;
  console.log(
    `\nThe cloud's threshold calibration on real readings: ${stations.size} stations' whole records (${[...stations.keys()].join(", ")}), ${all.length} scored readings after warm-up, the fixed-point scorer with the threshold table's config`,
  );
  console.log(`  the table (t(p) from ${table.scoredReadings} synthetic readings), share of all the readings it flags:`);
  console.log(`  ${"rate p".padStart(7)} ${"t(p)".padStart(7)} ${"flags".padStart(8)} ${"× p".padStart(6)}`);
  for (const { rate, threshold } of table.thresholds) {
    const flagged = share(all, thresholdQ16(threshold));
    console.log(
      `  ${`${(rate * 100).toFixed(2)} %`.padStart(7)} ${threshold.toFixed(4)} ${`${(flagged * 100).toFixed(3)} %`.padStart(8)} ${(flagged / rate).toFixed(1).padStart(6)}`,
    );
  }
  console.log(`  the board's default threshold ${table.defaultThreshold} flags ${(share(all, thresholdQ16(table.defaultThreshold)) * 100).toFixed(3)} %`);
  console.log(
    `  fitted on a station's previous ${FIT_READINGS} scores, judged on its next ${JUDGE_READINGS} (every ${JUDGE_READINGS}): flagged share ÷ p, quartiles over the judged blocks`,
  );
  for (const rate of FIT_RATES) {
    const fitted: number[] = [];
    const fromTable: number[] = [];
    const tableQ16 = thresholdQ16(table.thresholds.find((row) => row.rate === rate)?.threshold ?? Number.NaN);
    for (const scores of records)
      for (let start = FIT_READINGS; start + JUDGE_READINGS <= scores.length; start += JUDGE_READINGS) {
        const judged = scores.subarray(start, start + JUDGE_READINGS);
        fitted.push(share(judged, thresholdQ16ForRate(scores.subarray(start - FIT_READINGS, start), rate)) / rate);
        fromTable.push(share(judged, tableQ16) / rate);
      }
    console.log(
      `  ${`${(rate * 100).toFixed(2)} %`.padStart(7)}: fitted ${quartiles(fitted)}, table ${quartiles(fromTable)} (${fitted.length} blocks; 1.00 is on target)`,
    );
  }
}
