import { CHANNELS } from "../../firmware/sampling/Channels.ts";
import type { LakeQuery } from "../lake/LakeQuery.ts";

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

/** Every curated reading of every thing, grouped by thing (by name), each thing's in ts order. */
export async function readingsByThing(lake: LakeQuery): Promise<ThingReadings[]> {
  const columns = CHANNELS.flatMap(({ name }) => [name, `health_${name}`]);
  const result = await lake.run(`SELECT thing, boot, seq, ts, ${columns.join(", ")} FROM telemetry ORDER BY thing, ts, boot, seq`);
  const things: ThingReadings[] = [];
  let current: { thing: string; readings: LakeReading[] } | undefined;
  for (const row of result.rows) {
    const thing = String(row[0]);
    if (current?.thing !== thing) {
      current = { thing, readings: [] };
      things.push(current);
    }
    const values = CHANNELS.map((_, i) => {
      const value = row[4 + 2 * i];
      const health = row[5 + 2 * i];
      // v1 records carry their sensor's health, and a gas channel none: a value with no health is still the board's reading.
      return typeof value === "number" && (health === "ok" || health === null) ? value : Number.NaN;
    });
    current.readings.push({ boot: Number(row[1]), seq: Number(row[2]), ts: Number(row[3]), values });
  }
  return things;
}
