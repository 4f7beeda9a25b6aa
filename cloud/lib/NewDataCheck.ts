import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { acknowledgeWildcards } from "./nagAcks.ts";
import { lambdaCodeDir, PythonLambda, putMetricDataStatement } from "./PythonLambda.ts";

/** The namespace of the pipeline's own counts: training skipped, thresholds refused and published. */
export const PIPELINE_METRIC_NAMESPACE = "aqm/Pipeline";
/** Why the quality gate (cloud/lambda/quality_gate.py REASONS) refuses a threshold: the Reason dimension of ThresholdsRefused. */
export const THRESHOLD_REFUSAL_REASONS = ["no-holdout", "moved-too-far", "worse-on-holdout", "shadow-read-failed", "shadow-update-failed"] as const;

export interface NewDataCheckProps {
  /** Curated bucket whose `curated/telemetry/` date partitions are listed. */
  readonly curatedBucket: s3.IBucket;
  /** Days of readings the models are trained on: readings curated into older partitions change no model. */
  readonly windowDays: number;
}

/**
 * A Lambda telling the state machine whether this run's ETL curated anything
 * (`cloud/lambda/pipeline_checks/new_curated_data.py`); it logs and counts a skip.
 */
export class NewDataCheck extends Construct {
  readonly lambda: PythonLambda;

  constructor(scope: Construct, id: string, props: NewDataCheckProps) {
    super(scope, id);
    const { curatedBucket } = props;
    this.lambda = new PythonLambda(this, "Check", {
      description: "Did this pipeline run's ETL curate anything? Lists the training window's date partitions for files written since the run started",
      codeDir: lambdaCodeDir("pipeline_checks"),
      handler: "new_curated_data.handler",
      environment: { BUCKET: curatedBucket.bucketName, TELEMETRY_PREFIX: CURATED_PREFIXES.telemetry, WINDOW_DAYS: String(props.windowDays) },
    });
    const role = this.lambda.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [curatedBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${CURATED_PREFIXES.telemetry}*`] } },
      }),
    );
    role.addToPolicy(putMetricDataStatement(PIPELINE_METRIC_NAMESPACE));
    acknowledgeWildcards(role, {
      "*": `cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by condition to the ${PIPELINE_METRIC_NAMESPACE} namespace.`,
    });
  }
}
