/**
 * The raw → curated transformation in `cloud/transform/`: the Glue job runs it in the cloud, and
 * the local lake runs the same file with DuckDB. Kept apart from the constructs (no CDK import)
 * so the local lake names the file without loading the CDK.
 */
import { fileURLToPath } from "node:url";

export const TRANSFORM_SQL_FILE = fileURLToPath(new URL("../transform/telemetry.sql", import.meta.url));
