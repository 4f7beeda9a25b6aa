import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { fileURLToPath } from "node:url";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { acknowledgeWildcards, bucketArnRef } from "./nagAcks.ts";
import { PythonShellJob } from "./PythonShellJob.ts";
import type { RunPath } from "./runPaths.ts";
import type { TelemetryCatalog } from "./TelemetryCatalog.ts";

export const PREPARE_SCRIPT_FILE = fileURLToPath(new URL("../sagemaker/prepare_training_data.py", import.meta.url));

export interface ModelDataPrepProps {
  /** Security configuration (encrypted logs) the job runs with. */
  readonly catalog: TelemetryCatalog;
  /** Curated bucket: reads `curated/telemetry/`, writes the run's folders under `ml/input/`. */
  readonly curatedBucket: s3.IBucket;
  /** Days of curated readings the models are trained on. @default 28 */
  readonly trainingDays?: number;
}

/**
 * A Glue Python shell job that turns the
 * curated Parquet into Random Cut Forest CSV and DeepAR JSON lines. Python shell, not Spark: it
 * reads one thing's weeks at a time and uploads in parts, so its memory does not grow with the
 * fleet (bench:prep), and it starts in seconds. PutObject covers the multipart upload's calls.
 * Each run tells it where to write (runFolders, as runPathArguments gives them).
 */
export class ModelDataPrep extends PythonShellJob {
  /** The run folders the job writes, each a job argument of its own. */
  readonly runFolders: readonly RunPath[] = ["rcfTrain", "rcfScoreInput", "rcfKeys", "deeparTrain", "deeparInfer"];

  constructor(scope: Construct, id: string, props: ModelDataPrepProps) {
    const { catalog, curatedBucket } = props;
    super(scope, id, {
      catalog,
      scriptFile: PREPARE_SCRIPT_FILE,
      jobName: `${catalog.databaseName}-prepare-training-data`,
      jobDescription: "Curated Parquet -> RCF CSV (train + per-thing scoring) and DeepAR JSON lines (train + 24 h inference)",
      roleDescription: "Data preparation: reads curated Parquet, writes SageMaker training and inference input",
      arguments: {
        "--bucket": curatedBucket.bucketName,
        "--curated_prefix": CURATED_PREFIXES.telemetry,
        "--training_days": String(props.trainingDays ?? 28),
      },
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [curatedBucket.arnForObjects(`${CURATED_PREFIXES.telemetry}*`)] }));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["s3:PutObject"], resources: [curatedBucket.arnForObjects(`${CURATED_PREFIXES.mlInput}*`)] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [curatedBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${CURATED_PREFIXES.telemetry}*`] } },
      }),
    );
    acknowledgeWildcards(this.role, {
      [`${bucketArnRef(curatedBucket)}/${CURATED_PREFIXES.telemetry}*`]:
        "The job reads the curated Parquet of its training window, files with Spark-generated names; read-only, confined to the curated prefix.",
      [`${bucketArnRef(curatedBucket)}/${CURATED_PREFIXES.mlInput}*`]:
        "Each run writes under its own run id (a UUID chosen by the state machine at run time); write-only, confined to the ML input prefix.",
    });
  }
}
