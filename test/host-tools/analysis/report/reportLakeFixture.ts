/**
 * A small curated lake for the report tests: two boards a minute apart, one anomaly injected on
 * the first; on the second, gas cells warming up after each power-on, a run of CO faults in the
 * middle and a power cut (a gap); and an old reading outside the report's window.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ALL_CHANNELS_OK, healthyReading } from "../../../../host-tools/board-sim/scenarios/HealthyReading.ts";
import { LakeCurator } from "../../../../host-tools/local-cloud/lake/LakeCurator.ts";
import { HOUR, MINUTE, objectKey, writeObjects } from "../../local-cloud/lake/rawFixture.ts";

export const BOARD_A = "aqm-rep-001";
export const BOARD_B = "aqm-rep-002";
export const A_READINGS = 30;
export const B_READINGS = 20;
/** Index of board A's reading with an anomaly score above the threshold. */
export const ANOMALY_AT = 17;
export const ANOMALY_SCORE = 0.9;
/** Board B's CO cell is faulty for these readings (indices, inclusive): `nack` for the first two, then `timeout`. */
export const CO_FAULT = { first: 5, last: 8, codes: ["nack", "timeout"] } as const;
/** Board B is off for this many minutes after this reading (index), then boots again. */
export const B_GAP = { after: 12, minutes: 5 } as const;
/** Board B's gas channels are `warming` for the first readings of each boot (real cells take an hour: three readings keep the lake small). */
export const GAS_WARMING_READINGS = 3;
/** Board B's SO2 reading (index) that carries a value although its health is `warming`: the firmware never sends one, the curation does not refuse it. */
export const SO2_VALUE_WHILE_WARMING = 1;

const GAS = ["co_ppb", "no2_ppb", "so2_ppb", "o3_ppb"];

function reading(thing: string, seq: number, ts: number, extra: Record<string, unknown>, boot = 1): string {
  const record: Record<string, unknown> = {
    ...healthyReading(
      { thing, boot, seq, ts },
      {
        temperature_c: 21 + seq / 10,
        humidity_pct: 40 + (seq % 5),
        pm1_ugm3: 3,
        pm2_5_ugm3: 5 + (seq % 7),
        pm10_ugm3: 9,
        co_ppb: 250 + seq,
        no2_ppb: 14,
        so2_ppb: 3,
        o3_ppb: 30 - (seq % 4),
        anomaly: 0.01,
      },
    ),
    topic_thing: thing,
    received_at: ts + 400,
    ...extra,
  };
  return JSON.stringify(record);
}

export interface ReportLake {
  readonly stateDir: string;
  readonly lakeDir: string;
  /** Time of board A's first reading; board B starts a minute later, one reading a minute but for its gap. */
  readonly base: number;
  readonly aTimes: readonly number[];
  readonly bTimes: readonly number[];
  /** Board A's reading three days before the others: in the lake, not in a 48-hour report. */
  readonly oldReadingAt: number;
}

/** Writes the raw objects into a fresh state folder's lake and curates them. */
export async function curatedReportLake(base = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR): Promise<ReportLake> {
  const stateDir = mkdtempSync(path.join(tmpdir(), "aqm-report-"));
  const lakeDir = path.join(stateDir, "lake");
  const aTimes = Array.from({ length: A_READINGS }, (_, i) => base + i * MINUTE);
  const bTimes = Array.from({ length: B_READINGS }, (_, i) => base + (i + 1 + (i > B_GAP.after ? B_GAP.minutes : 0)) * MINUTE);
  const oldReadingAt = base - 72 * HOUR;
  const a = aTimes.map((ts, i) => reading(BOARD_A, i + 2, ts, i === ANOMALY_AT ? { anomaly: ANOMALY_SCORE, pm2_5_ugm3: 80 } : {}));
  const b = bTimes.map((ts, i) => {
    const boot = i > B_GAP.after ? 2 : 1;
    const seq = boot === 1 ? i + 1 : i - B_GAP.after;
    const health: Record<string, string> = { ...ALL_CHANNELS_OK };
    // JSON.stringify leaves out a key whose value is undefined, as the firmware leaves out a value that is not ok.
    const omitted: Record<string, undefined> = {};
    if (seq <= GAS_WARMING_READINGS) {
      for (const c of GAS) {
        health[c] = "warming";
        if (!(c === "so2_ppb" && i === SO2_VALUE_WHILE_WARMING)) omitted[c] = undefined;
      }
    }
    if (i >= CO_FAULT.first && i <= CO_FAULT.last) {
      health.co_ppb = `fault:${CO_FAULT.codes[i - CO_FAULT.first < 2 ? 0 : 1]}`;
      omitted.co_ppb = undefined;
    }
    return reading(BOARD_B, seq, ts, { ...omitted, health }, boot);
  });
  writeObjects(lakeDir, {
    [objectKey(base, "report-a")]: [...a, ...b],
    [objectKey(oldReadingAt, "report-old")]: [reading(BOARD_A, 1, oldReadingAt, { anomaly: 0.95 })],
  });
  const curation = await new LakeCurator({ lakeDir }).curate();
  if (curation.curated !== A_READINGS + B_READINGS + 1)
    throw new Error(`report fixture: ${curation.curated} readings curated, expected ${A_READINGS + B_READINGS + 1} (${JSON.stringify(curation.reasons)})`);
  return { stateDir, lakeDir, base, aTimes, bTimes, oldReadingAt };
}

/** A DeepAR response for board A's PM2.5, starting an hour after its last reading. */
export function pm25Forecast(lake: ReportLake, hours = 24): Record<string, unknown> {
  const mean = Array.from({ length: hours }, (_, i) => 8 + Math.sin(i / 4) * 3);
  return {
    thing: BOARD_A,
    channel: "pm2_5_ugm3",
    start: new Date(lake.aTimes.at(-1)! + HOUR).toISOString(),
    predictions: [{ mean, quantiles: { "0.1": mean.map((m) => m - 4), "0.5": mean, "0.9": mean.map((m) => m + 5) } }],
  };
}
