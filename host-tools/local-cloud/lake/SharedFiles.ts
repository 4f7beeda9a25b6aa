import { fileURLToPath } from "node:url";

/** The curation transformation the Glue job also runs (cloud/transform/telemetry.sql). */
export const TRANSFORM_SQL_FILE = fileURLToPath(new URL("../../../cloud/transform/telemetry.sql", import.meta.url));

/** The operators' named queries the cloud stack deploys to Athena; the cloud's loader checks them. */
export { loadNamedQueries, NAMED_QUERIES_FILE, type NamedQueryDefinition } from "../../../cloud/lib/namedQueries.ts";
