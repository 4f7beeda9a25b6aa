import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { fileURLToPath } from "node:url";
import { DEFAULT_SCORER_CONFIG } from "../../firmware/anomaly/ScorerConfig.ts";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { acknowledgeWildcards, bucketArnRef, nagArn } from "./nagAcks.ts";
import { PIPELINE_METRIC_NAMESPACE } from "./NewDataCheck.ts";
import { putMetricDataStatement } from "./PythonLambda.ts";

export const CALIBRATION_CODE_DIR = fileURLToPath(new URL("../lambda/", import.meta.url));
/** The object holding the thresholds the boards use now, as the quality gate last accepted them. */
export const ACCEPTED_THRESHOLDS_KEY = `${CURATED_PREFIXES.acceptedThresholds}thresholds.json`;
/** The calibration function's files in CALIBRATION_CODE_DIR; its sub-folders are the other functions'. */
export const CALIBRATION_FILES = ["calibrate_thresholds.py", "quality_gate.py", "threshold_table.json"] as const;

export interface ThresholdCalibrationProps {
  /** Curated bucket whose `ml/output/` prefix holds the RCF batch-transform scores and the board scores to fit and judge on. */
  readonly curatedBucket: s3.IBucket;
  /** Account-specific IoT data endpoint (ATS) the function updates shadows through. */
  readonly iotDataEndpoint: string;
  /** The board scorer's knee the thresholds are for; the Lambda refuses one that is not the knee its threshold table was made with. @default DEFAULT_SCORER_CONFIG.knee (20) */
  readonly knee?: number;
  /** The quality gate refuses a threshold that moves more than this many times up or down. @default 2 */
  readonly maxThresholdFactor?: number;
  /** Removal policy of the function's log group. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Python Lambda that reads each thing's RCF scores for the share of readings to alert at, fits
 * the board scorer's threshold for that share on the board's own earlier scores (the threshold
 * table where it has too few), judges it on the board's held-out week against the threshold the
 * board reports in its Device Shadow, the one last published or the board's default
 * (`lambda/quality_gate.py`), and writes those that pass to the thing's
 * Device Shadow (`desired.anomaly`) and to the accepted-thresholds object; refusals are logged and counted.
 */
export class ThresholdCalibration extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ThresholdCalibrationProps) {
    super(scope, id);
    const { curatedBucket } = props;
    this.logGroup = new logs.LogGroup(this, "Logs", { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "Threshold calibration: read RCF scores and held-out board scores, read and update thing shadows, gate",
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [this.logGroup.logGroupArn] }));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [curatedBucket.arnForObjects(`${CURATED_PREFIXES.mlOutput}*`)] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [curatedBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${CURATED_PREFIXES.mlOutput}*`, ACCEPTED_THRESHOLDS_KEY] } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject", "s3:PutObject"], resources: [curatedBucket.arnForObjects(ACCEPTED_THRESHOLDS_KEY)] }),
    );
    this.role.addToPolicy(putMetricDataStatement(PIPELINE_METRIC_NAMESPACE));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["iot:GetThingShadow", "iot:UpdateThingShadow"],
        resources: [Stack.of(this).formatArn({ service: "iot", resource: "thing", resourceName: "*" })],
      }),
    );

    acknowledgeWildcards(this.role, {
      [`${bucketArnRef(curatedBucket)}/${CURATED_PREFIXES.mlOutput}*`]:
        "The function reads the RCF scores of the run it is given; the run id is chosen at run time. Read-only.",
      [nagArn("iot", "thing/*")]:
        "The fleet grows without redeploying: every board with scores has its shadow read (the threshold it reports) and updated, and thing names are only known from the score files. Only iot:GetThingShadow and iot:UpdateThingShadow are allowed.",
      "*": `cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by condition to the ${PIPELINE_METRIC_NAMESPACE} namespace.`,
    });

    this.function = new lambda.Function(this, "Function", {
      description: "RCF score distribution -> board anomaly threshold -> quality gate on the held-out week -> Device Shadow desired.anomaly",
      runtime: lambda.Runtime.PYTHON_3_15,
      handler: "quality_gate.handler",
      code: lambda.Code.fromAsset(CALIBRATION_CODE_DIR, { exclude: ["*", ...CALIBRATION_FILES.map((f) => `!${f}`)] }),
      role: this.role,
      logGroup: this.logGroup,
      memorySize: 256,
      timeout: Duration.minutes(5),
      environment: {
        IOT_DATA_ENDPOINT: props.iotDataEndpoint,
        KNEE: String(props.knee ?? DEFAULT_SCORER_CONFIG.knee),
        MAX_FACTOR: String(props.maxThresholdFactor ?? 2),
      },
    });
  }
}
