import type { Channel } from "../../../firmware/telemetry/Channels.ts";
import type { LakeQuery } from "../../local-cloud/lake/LakeQuery.ts";
import type { DeepArForecast } from "./DeepArForecast.ts";

/**
 * The newest forecast of each (thing, channel) in the lake's forecasts table (what
 * `aqm forecast --save` wrote, in the shape of the cloud's DeepAR table), as the report draws them.
 */
export async function savedForecasts(lake: LakeQuery): Promise<DeepArForecast[]> {
  const { rows } = await lake.run(`SELECT thing, channel, list(mean ORDER BY hour_ts), list(p10 ORDER BY hour_ts), list(p90 ORDER BY hour_ts), min(hour_ts)
    FROM (SELECT f.*, max(issued_at) OVER (PARTITION BY thing, channel) AS newest FROM forecasts f) latest
    WHERE issued_at = newest GROUP BY thing, channel ORDER BY thing, channel`);
  return rows.map(([thing, channel, mean, p10, p90, start]) => ({
    thing: thing as string,
    channel: channel as Channel,
    start: Number(start),
    mean: mean as number[],
    p10: p10 as number[],
    p90: p90 as number[],
  }));
}
