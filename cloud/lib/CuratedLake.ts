import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/**
 * Key layout of the curated bucket. Every writer gets a role scoped to its own prefix, so the
 * prefixes are the unit of least privilege and are named once here.
 */
export const CURATED_PREFIXES = {
  /** Parquet from the Glue ETL job, `date=YYYY-MM-DD/thing=<thing>/`. */
  telemetry: "curated/telemetry/",
  /** DeepAR forecasts joined to their thing and channel, Parquet by forecast day (`date=YYYY-MM-DD/<run>.parquet`): table `aqm.forecasts`. */
  forecasts: "curated/forecasts/",
  /** RCF scores joined to their readings, Parquet by reading day (`date=YYYY-MM-DD/scores.parquet`): table `aqm.anomaly_scores`. */
  anomalyScores: "curated/anomaly-scores/",
  /** Each thing's newest forecasts as the forecast API returns them (`<thing>.json`). */
  servingForecasts: "serving/forecasts/",
  /** The thresholds in use on the boards, as the quality gate last accepted them. */
  acceptedThresholds: "ml/accepted/",
  /** Operational state of the stack's own functions (the board silence watcher's). */
  operations: "ops/",
  /** Raw lines the transformation refused, with the reason, by ingest date. */
  quarantine: "quarantine/",
  /** Training input written by the data-preparation job (`rcf/`, `deepar/`). */
  mlInput: "ml/input/",
  /** Model artefacts written by SageMaker training jobs. */
  mlModels: "ml/models/",
  /** Batch-transform output (`rcf-scores/`, `deepar-forecasts/`). */
  mlOutput: "ml/output/",
  /** Athena query results (the workgroup enforces this location). */
  athenaResults: "athena-results/",
  /** Glue temporary files and Spark event logs. */
  glueTemp: "glue-temp/",
} as const;

export interface CuratedLakeProps {
  /** Bucket that receives the curated bucket's S3 server access logs. */
  readonly accessLogBucket: s3.IBucket;
  /** Days before curated Parquet (readings, forecasts, anomaly scores) moves to S3 Infrequent Access. @default 90 */
  readonly infrequentAccessAfterDays?: number;
  /** Days after which quarantined records are deleted. @default 90 */
  readonly quarantineExpirationDays?: number;
  /** Days after which Athena results, Glue temp files and batch-transform output are deleted. @default 30 */
  readonly scratchExpirationDays?: number;
  /** Removal policy of the bucket. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The curated side of the lake: one encrypted, TLS-only, private bucket with one prefix per writer. */
export class CuratedLake extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: CuratedLakeProps) {
    super(scope, id);
    const scratch = Duration.days(props.scratchExpirationDays ?? 30);
    this.bucket = new s3.Bucket(this, "Bucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: "curated-bucket/",
      lifecycleRules: [
        {
          id: "curated-tiering",
          prefix: CURATED_PREFIXES.telemetry,
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.infrequentAccessAfterDays ?? 90) }],
        },
        // The model results are kept as long as the readings: the batch output they are made from expires with ml/output/.
        ...[CURATED_PREFIXES.forecasts, CURATED_PREFIXES.anomalyScores].map((prefix) => ({
          id: `${prefix.split("/")[1]}-tiering`,
          prefix,
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.infrequentAccessAfterDays ?? 90) }],
        })),
        { id: "quarantine-expiry", prefix: CURATED_PREFIXES.quarantine, expiration: Duration.days(props.quarantineExpirationDays ?? 90) },
        { id: "athena-results-expiry", prefix: CURATED_PREFIXES.athenaResults, expiration: scratch },
        { id: "glue-temp-expiry", prefix: CURATED_PREFIXES.glueTemp, expiration: scratch },
        { id: "ml-output-expiry", prefix: CURATED_PREFIXES.mlOutput, expiration: scratch },
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
