import { Aws } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { fileURLToPath } from "node:url";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { acknowledgeWildcards, bucketArnRef } from "./nagAcks.ts";
import { PythonShellJob } from "./PythonShellJob.ts";
import { RESULT_TABLE_COLUMNS } from "./resultTables.ts";
import type { RunPath } from "./runPaths.ts";
import type { TelemetryCatalog } from "./TelemetryCatalog.ts";

export const RESULTS_SCRIPT_FILE = fileURLToPath(new URL("../results/publish_model_results.py", import.meta.url));

/** Where each result table lives and what the catalog says of it. */
export const RESULT_TABLES = {
  forecasts: {
    prefix: CURATED_PREFIXES.forecasts,
    description: "DeepAR forecasts: one row per thing, channel and forecast hour (hour_ts, ms since the epoch); newest run by issued_at",
    columns: RESULT_TABLE_COLUMNS.forecasts,
    /** Forecasts reach into tomorrow. */
    projectionRange: "2026-01-01,NOW+2DAYS",
  },
  anomaly_scores: {
    prefix: CURATED_PREFIXES.anomalyScores,
    description: "Random Cut Forest scores: one row per scored reading (thing, ts); anomalous above the thing's mean + 3 sd",
    columns: RESULT_TABLE_COLUMNS.anomaly_scores,
    projectionRange: "2026-01-01,NOW",
  },
} as const;

export interface ModelResultsProps {
  /** Glue database the tables are registered in; security configuration of the job. */
  readonly catalog: TelemetryCatalog;
  /** Curated bucket: reads `ml/input/`, `ml/output/`, `curated/telemetry/`; writes the result prefixes. */
  readonly curatedBucket: s3.IBucket;
  /** Days of board scores the quality gate tries thresholds on. @default 7 */
  readonly holdoutDays?: number;
  /** Days of board scores before the held-out ones that each candidate threshold is fitted on. @default 28 */
  readonly fitDays?: number;
}

/**
 * The results step: a Glue Python shell job that joins each DeepAR forecast and RCF score back to
 * its thing, channel and time and writes them as Parquet under the curated lake, with the two Glue
 * tables over them. The tables use partition projection on `date`, so a new day is queryable
 * without a crawler or a partition update, and a query that filters on `date` reads only those days.
 */
export class ModelResults extends PythonShellJob {
  /** The run folders the job reads and writes, each a job argument of its own (runPathArguments). */
  readonly runFolders: readonly RunPath[] = ["deeparInfer", "deeparForecasts", "rcfKeys", "rcfScores", "holdout", "fit"];
  readonly tables: Readonly<Record<keyof typeof RESULT_TABLES, glue.CfnTable>>;

  constructor(scope: Construct, id: string, props: ModelResultsProps) {
    const { catalog, curatedBucket } = props;
    super(scope, id, {
      catalog,
      scriptFile: RESULTS_SCRIPT_FILE,
      jobName: `${catalog.databaseName}-publish-model-results`,
      jobDescription:
        "A run's DeepAR forecasts and RCF scores -> Parquet tables (forecasts, anomaly_scores), serving documents, board scores to fit and hold out",
      roleDescription: "Model results: reads a run's SageMaker input and output and the curated readings, writes the forecast and score tables",
      arguments: {
        "--bucket": curatedBucket.bucketName,
        "--forecasts_prefix": CURATED_PREFIXES.forecasts,
        "--scores_prefix": CURATED_PREFIXES.anomalyScores,
        "--serving_prefix": CURATED_PREFIXES.servingForecasts,
        "--telemetry_prefix": CURATED_PREFIXES.telemetry,
        "--holdout_days": String(props.holdoutDays ?? 7),
        "--fit_days": String(props.fitDays ?? 28),
      },
    });
    const objects = (...prefixes: string[]) => prefixes.map((p) => curatedBucket.arnForObjects(`${p}*`));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject"],
        resources: objects(CURATED_PREFIXES.mlInput, CURATED_PREFIXES.mlOutput, CURATED_PREFIXES.telemetry),
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObject"],
        resources: objects(CURATED_PREFIXES.forecasts, CURATED_PREFIXES.anomalyScores, CURATED_PREFIXES.servingForecasts, CURATED_PREFIXES.mlOutput),
      }),
    );
    // A run scores its whole window again and replaces each day's score file.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["s3:DeleteObject"], resources: objects(CURATED_PREFIXES.anomalyScores) }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [curatedBucket.bucketArn],
        conditions: {
          StringLike: { "s3:prefix": [CURATED_PREFIXES.mlOutput, CURATED_PREFIXES.anomalyScores, CURATED_PREFIXES.telemetry].map((p) => `${p}*`) },
        },
      }),
    );
    const b = bucketArnRef(curatedBucket);
    acknowledgeWildcards(this.role, {
      [`${b}/${CURATED_PREFIXES.mlInput}*`]: "Reads the run's inference input and score keys, under a run id chosen at run time; read-only.",
      [`${b}/${CURATED_PREFIXES.mlOutput}*`]:
        "Reads the run's batch-transform output and writes its held-out scores, under a run id chosen at run time; the prefix expires after 30 days.",
      [`${b}/${CURATED_PREFIXES.telemetry}*`]: "Reads the board scores of the held-out week from Spark-named Parquet files; read-only.",
      [`${b}/${CURATED_PREFIXES.forecasts}*`]: "Writes one Parquet file per forecast day and run (date=<day>/<run id>.parquet); names made at run time.",
      [`${b}/${CURATED_PREFIXES.anomalyScores}*`]:
        "Replaces the score file of each day the run scored (date=<day>/scores.parquet), deleting what an earlier run left there.",
      [`${b}/${CURATED_PREFIXES.servingForecasts}*`]: "Writes one forecast document per thing (<thing>.json); the fleet grows without redeploying.",
    });

    const table = (name: keyof typeof RESULT_TABLES) => {
      const spec = RESULT_TABLES[name];
      const location = curatedBucket.s3UrlForObject(spec.prefix);
      const t = new glue.CfnTable(this, `Table-${name}`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: catalog.databaseName,
        tableInput: {
          name,
          description: spec.description,
          tableType: "EXTERNAL_TABLE",
          partitionKeys: [{ name: "date", type: "date" }],
          parameters: {
            classification: "parquet",
            "projection.enabled": "true",
            "projection.date.type": "date",
            "projection.date.format": "yyyy-MM-dd",
            "projection.date.range": spec.projectionRange,
            "projection.date.interval": "1",
            "projection.date.interval.unit": "DAYS",
            "storage.location.template": `${location}date=\${date}/`,
          },
          storageDescriptor: {
            location,
            columns: Object.entries(spec.columns).map(([n, type]) => ({ name: n, type })),
            inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            serdeInfo: { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
          },
        },
      });
      t.node.addDependency(catalog.database);
      return t;
    };
    this.tables = { forecasts: table("forecasts"), anomaly_scores: table("anomaly_scores") };
  }
}
