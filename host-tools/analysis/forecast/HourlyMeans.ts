import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels.ts";
import { sqlString } from "../../local-cloud/lake/DuckDbDialect.ts";
import type { LakeQuery } from "../../local-cloud/lake/LakeQuery.ts";

export const HOUR_MS = 3_600_000;

/** The mean of one channel's readings in one UTC hour. */
export interface HourlyMean {
  /** Start of the hour, ms since the Unix epoch. */
  readonly hour: number;
  readonly value: number;
}

export class UnknownThing extends Error {}

/**
 * A thing's hourly means of one channel from the curated lake, oldest first: the series DeepAR is
 * trained on (cloud/sagemaker/prepare_training_data.py, hours by the reading's ts). Hours without
 * a value (the channel absent or not ok in all of them) are left out.
 */
export async function hourlyMeans(lake: LakeQuery, thing: string, channel: Channel): Promise<HourlyMean[]> {
  if (!CHANNELS.some((c) => c.name === channel)) throw new RangeError(`unknown channel ${channel}`);
  const result = await lake.run(`SELECT (ts // ${HOUR_MS}) * ${HOUR_MS} AS hour, avg(${channel}) AS value FROM telemetry
    WHERE thing = ${sqlString(thing)} AND ${channel} IS NOT NULL GROUP BY hour ORDER BY hour`);
  return result.rows.map((row) => ({ hour: Number(row[0]), value: Number(row[1]) }));
}

/** Refuses a thing the lake has no reading of, naming the things it has. */
export async function checkThingInLake(lake: LakeQuery, thing: string): Promise<void> {
  const things = (await lake.run(`SELECT DISTINCT thing FROM telemetry ORDER BY thing`)).rows.map((row) => String(row[0]));
  if (!things.includes(thing))
    throw new UnknownThing(
      `no readings of thing "${thing}" in the curated lake (${things.length === 0 ? "it holds none: run aqm etl first" : `things: ${things.join(", ")}`})`,
    );
}
