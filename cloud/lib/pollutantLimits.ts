/**
 * The WHO 2021 air quality guideline levels (`cloud/limits/who-2021-aqg.json`), in the units the
 * boards report: the one table behind the cloud's alert rules, the named queries that look for
 * limit crossings, the local forecast and the report page. No CDK import, so host tools load it cheaply.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CHANNELS, type Channel } from "../../firmware/telemetry/Channels.ts";

export const POLLUTANT_LIMITS_FILE = fileURLToPath(new URL("../limits/who-2021-aqg.json", import.meta.url));

export interface PollutantLimit {
  readonly channel: Channel;
  /** The pollutant's name as the guidelines write it. */
  readonly pollutant: string;
  /** The guideline level in the channel's unit (µg/m³, or ppb for a gas). */
  readonly level: number;
  /** The guideline is for a mean over this many hours; a single reading above it is an early warning, not an exceedance. */
  readonly averagingHours: number;
}

/** Refuses a malformed file naming the entry and field, so a bad edit fails the synth and the tests, not an alert. */
export function loadPollutantLimits(path: string = POLLUTANT_LIMITS_FILE): PollutantLimit[] {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { molarVolumeLitres?: unknown; guidelines?: unknown };
  const molarVolume = parsed.molarVolumeLitres;
  if (typeof molarVolume !== "number" || !(molarVolume > 0)) throw new Error(`${path}: "molarVolumeLitres" must be a positive number`);
  if (!Array.isArray(parsed.guidelines) || parsed.guidelines.length === 0) throw new Error(`${path}: "guidelines" must be a non-empty array`);
  const seen = new Set<string>();
  return parsed.guidelines.map((entry: Record<string, unknown>, i: number): PollutantLimit => {
    const where = `${path}: guidelines[${i}]`;
    const channel = CHANNELS.find((c) => c.name === entry.channel);
    if (!channel) throw new Error(`${where}: "channel" must be one of ${CHANNELS.map((c) => c.name).join(", ")}, got ${JSON.stringify(entry.channel)}`);
    if (seen.has(channel.name)) throw new Error(`${where}: a second guideline for ${channel.name}`);
    seen.add(channel.name);
    const { pollutant, levelUgm3, averagingHours, molarMassGPerMol } = entry;
    if (typeof pollutant !== "string" || pollutant === "") throw new Error(`${where}: "pollutant" must be a non-empty string`);
    if (typeof levelUgm3 !== "number" || !(levelUgm3 > 0)) throw new Error(`${where}: "levelUgm3" must be a positive number`);
    if (averagingHours !== 8 && averagingHours !== 24) throw new Error(`${where}: "averagingHours" must be 8 or 24, got ${JSON.stringify(averagingHours)}`);
    const gas = channel.unit === "ppb";
    if (gas !== (typeof molarMassGPerMol === "number" && molarMassGPerMol > 0)) {
      throw new Error(
        `${where}: ${gas ? `a gas reported in ppb needs a positive "molarMassGPerMol"` : `${channel.name} is reported in µg/m³: no "molarMassGPerMol"`}`,
      );
    }
    const level = gas ? (levelUgm3 * molarVolume) / (molarMassGPerMol as number) : levelUgm3;
    return { channel: channel.name, pollutant, level: Math.round(level * 100) / 100, averagingHours };
  });
}

/** The table as a SQL relation `limits (channel, pollutant, level, averaging_hours)`, valid in Athena (Trino) and DuckDB alike. */
export function pollutantLimitsSql(limits: readonly PollutantLimit[] = loadPollutantLimits()): string {
  const rows = limits.map((l) => `('${l.channel}', '${l.pollutant}', DOUBLE '${l.level}', ${l.averagingHours})`);
  return `(VALUES ${rows.join(", ")}) AS limits (channel, pollutant, level, averaging_hours)`;
}
