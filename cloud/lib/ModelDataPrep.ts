import { Aws } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as s3assets from "aws-cdk-lib/aws-s3-assets";
import { Construct } from "constructs";
import { fileURLToPath } from "node:url";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { acknowledgeWildcards, bucketArnRef, nagArn } from "./nagAcks.ts";
import { fileAsset } from "./glueAssets.ts";
import { glueLogStatement, type TelemetryCatalog } from "./TelemetryCatalog.ts";

export const PREPARE_SCRIPT_FILE = fileURLToPath(new URL("../sagemaker/prepare_training_data.py", import.meta.url));

export interface ModelDataPrepProps {
  /** Security configuration (encrypted logs) the job runs with. */
  readonly catalog: TelemetryCatalog;
  /** Curated bucket: reads `curated/telemetry/`, writes `ml/input/<run>/`. */
  readonly curatedBucket: s3.IBucket;
  /** Days of curated readings the models are trained on. @default 28 */
  readonly trainingDays?: number;
}

/**
 * A Glue Python shell job (pandas and pyarrow from Glue's analytics library set) that turns the
 * curated Parquet into Random Cut Forest CSV and DeepAR JSON lines. Python shell, not Spark: it
 * reads one thing's weeks at a time and uploads in parts, so its memory does not grow with the
 * fleet (bench:prep), and it starts in seconds. PutObject covers the multipart upload's calls.
 */
export class ModelDataPrep extends Construct {
  readonly job: glue.CfnJob;
  readonly jobName: string;
  readonly role: iam.Role;
  /** The job's script, `cloud/sagemaker/prepare_training_data.py`. */
  readonly script: s3assets.Asset;

  constructor(scope: Construct, id: string, props: ModelDataPrepProps) {
    super(scope, id);
    const { catalog, curatedBucket } = props;
    const script = fileAsset(this, "Script", PREPARE_SCRIPT_FILE);
    this.script = script.asset;
    this.jobName = `${catalog.databaseName}-prepare-training-data`;

    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("glue.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
      description: "Data preparation: reads curated Parquet, writes SageMaker training and inference input",
    });
    this.role.addToPolicy(script.readStatement);
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [curatedBucket.arnForObjects(`${CURATED_PREFIXES.telemetry}*`)] }));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["s3:PutObject"], resources: [curatedBucket.arnForObjects(`${CURATED_PREFIXES.mlInput}*`)] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [curatedBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${CURATED_PREFIXES.telemetry}*`] } },
      }),
    );
    this.role.addToPolicy(glueLogStatement(this, "jobs"));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources: [catalog.key.keyArn] }));

    acknowledgeWildcards(this.role, {
      [`${bucketArnRef(curatedBucket)}/${CURATED_PREFIXES.telemetry}*`]:
        "The job reads the curated Parquet of its training window, files with Spark-generated names; read-only, confined to the curated prefix.",
      [`${bucketArnRef(curatedBucket)}/${CURATED_PREFIXES.mlInput}*`]:
        "Each run writes under its own run id (a UUID chosen by the state machine at run time); write-only, confined to the ML input prefix.",
      [nagArn("logs", "log-group:/aws-glue/jobs*")]:
        "Glue names the job log groups itself (suffixed with the security configuration) and creates streams per run.",
    });

    this.job = new glue.CfnJob(this, "Job", {
      name: this.jobName,
      description: "Curated Parquet -> RCF CSV (train + per-thing scoring) and DeepAR JSON lines (train + 24 h inference)",
      role: this.role.roleArn,
      glueVersion: "3.0",
      maxCapacity: 0.0625,
      timeout: 30,
      securityConfiguration: catalog.securityConfigurationName,
      command: { name: "pythonshell", pythonVersion: "3.9", scriptLocation: script.asset.s3ObjectUrl },
      defaultArguments: {
        "library-set": "analytics",
        "--bucket": curatedBucket.bucketName,
        "--curated_prefix": CURATED_PREFIXES.telemetry,
        "--ml_input_prefix": CURATED_PREFIXES.mlInput,
        "--training_days": String(props.trainingDays ?? 28),
      },
    });
    this.job.node.addDependency(catalog.securityConfiguration);
  }
}
