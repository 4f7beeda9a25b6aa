/**
 * The columns of the two model-result tables, as `cloud/results/publish_model_results.py` writes
 * them and the Glue tables (ModelResults.ts) declare them; the local lake's views
 * (host-tools/local-cloud/lake/ResultTables.ts) take the same. No CDK import, so host tools load it cheaply.
 */
export const RESULT_TABLE_COLUMNS = {
  forecasts: {
    thing: "string",
    channel: "string",
    hour_ts: "bigint",
    step: "int",
    mean: "double",
    p10: "double",
    p50: "double",
    p90: "double",
    run_id: "string",
    issued_at: "bigint",
  },
  anomaly_scores: { thing: "string", ts: "bigint", score: "double", anomalous: "boolean", run_id: "string" },
} as const;

export type ResultTableName = keyof typeof RESULT_TABLE_COLUMNS;
