import { CHANNELS } from "../../../firmware/telemetry/Channels.ts";
import { sqlString } from "../../local-cloud/lake/DuckDbDialect.ts";
import type { LakeQuery } from "../../local-cloud/lake/LakeQuery.ts";

/** One curated reading as the board's scorer saw it: every channel in CHANNELS order. */
export interface LakeReading {
  readonly boot: number;
  readonly seq: number;
  /** ms since the Unix epoch. */
  readonly ts: number;
  /** NaN where the channel was absent or not ok, which the scorer skips as the board does with a fault-flagged channel. */
  readonly values: readonly number[];
}

export interface ThingReadings {
  readonly thing: string;
  /** In the order the board scored them: by ts, then boot and seq. */
  readonly readings: readonly LakeReading[];
}

/** The things with curated readings, by name. */
export async function thingsInLake(lake: LakeQuery): Promise<string[]> {
  return (await lake.run("SELECT DISTINCT thing FROM telemetry ORDER BY thing")).rows.map((row) => String(row[0]));
}

/** One thing's curated readings in the order its board scored them; the `thing` partition keeps the read to its files. */
export async function readingsOfThing(lake: LakeQuery, thing: string): Promise<ThingReadings> {
  const columns = CHANNELS.flatMap(({ name }) => [name, `health_${name}`]);
  const result = await lake.run(`SELECT boot, seq, ts, ${columns.join(", ")} FROM telemetry WHERE thing = ${sqlString(thing)} ORDER BY ts, boot, seq`);
  const readings = result.rows.map((row): LakeReading => {
    const values = CHANNELS.map((_, i) => {
      const value = row[3 + 2 * i];
      const health = row[4 + 2 * i];
      // v1 records carry their sensor's health, and a gas channel none: a value with no health is still the board's reading.
      return typeof value === "number" && (health === "ok" || health === null) ? value : Number.NaN;
    });
    return { boot: Number(row[0]), seq: Number(row[1]), ts: Number(row[2]), values };
  });
  return { thing, readings };
}

/** Every thing's readings, one thing at a time, so memory holds one board's history, not the fleet's. */
export async function* eachThingReadings(lake: LakeQuery): AsyncGenerator<ThingReadings> {
  for (const thing of await thingsInLake(lake)) yield await readingsOfThing(lake, thing);
}
