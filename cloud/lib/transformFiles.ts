/**
 * The raw → curated transformation in `cloud/transform/`: the Glue job runs it in the cloud, and
 * the local lake runs the same file with DuckDB. Kept apart from the constructs (no CDK import)
 * so the local lake names the file without loading the CDK.
 */
import { fileURLToPath } from "node:url";
import { CHANNELS } from "../../firmware/telemetry/Channels.ts";

export const TRANSFORM_SQL_FILE = fileURLToPath(new URL("../transform/telemetry.sql", import.meta.url));

/** One row of the transformation's `telemetry_ranges` view: a channel and the values it can take. */
export interface ChannelRange {
  readonly channel: string;
  readonly min: number;
  readonly max: number;
}

/** The channels' ranges as the transformation reads them, from their one home, the firmware's channel table. */
export function telemetryRanges(): ChannelRange[] {
  return CHANNELS.map((c) => ({ channel: c.name, min: c.min, max: c.max }));
}
