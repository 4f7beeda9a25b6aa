import { CfnOutput, Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import { Construct } from "constructs";
import type { AnalyticsPipeline } from "./AnalyticsPipeline.ts";
import type { AthenaWorkgroup } from "./AthenaWorkgroup.ts";
import type { CuratedLake } from "./CuratedLake.ts";
import type { DeviceFleet } from "./DeviceFleet.ts";
import type { IotEndpoint } from "./IotEndpoint.ts";
import type { TelemetryCatalog } from "./TelemetryCatalog.ts";
import type { TelemetryIngest } from "./TelemetryIngest.ts";

export interface OperationsProps {
  /** The fleet whose policy name is exported. */
  readonly fleet: DeviceFleet;
  /** The ingest path whose rule and delivery stream are alarmed. */
  readonly ingest: TelemetryIngest;
  /** The pipeline whose failed and timed-out executions are alarmed; alarms notify on its topic. */
  readonly pipeline: AnalyticsPipeline;
  /** Curated bucket, exported for the host tools. */
  readonly curated: CuratedLake;
  /** Glue database, exported for the host tools. */
  readonly catalog: TelemetryCatalog;
  /** Athena workgroup, exported for the host tools. */
  readonly athena: AthenaWorkgroup;
  /** IoT data endpoint, exported for board provisioning. */
  readonly iotEndpoint: IotEndpoint;
}

/** Alarms on rule errors, Firehose delivery failures and pipeline failures; stack outputs for the fleet tooling. */
export class Operations extends Construct {
  readonly ruleFailureAlarm: cloudwatch.Alarm;
  readonly deliveryFailureAlarm: cloudwatch.Alarm;
  readonly pipelineFailureAlarm: cloudwatch.Alarm;
  readonly pipelineTimeoutAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { fleet, ingest, pipeline } = props;
    const notify = new actions.SnsAction(pipeline.topic);
    // One bad period is worth a notification; a period without data (no traffic, no pipeline run)
    // is no failure.
    const alarm = (
      alarmId: string,
      alarmDescription: string,
      metric: cloudwatch.IMetric,
      comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      return created;
    };
    const fiveMinutes = Duration.minutes(5);
    this.ruleFailureAlarm = alarm(
      "RuleFailures",
      "IoT telemetry rule actions failed (see the rule error log group)",
      new cloudwatch.Metric({
        namespace: "AWS/IoT",
        metricName: "Failure",
        dimensionsMap: { RuleName: ingest.rule.ref },
        statistic: "Sum",
        period: fiveMinutes,
      }),
    );
    this.deliveryFailureAlarm = alarm(
      "DeliveryFailures",
      "Firehose failed to deliver telemetry to S3 (DeliveryToS3.Success below 1)",
      new cloudwatch.Metric({
        namespace: "AWS/Firehose",
        metricName: "DeliveryToS3.Success",
        dimensionsMap: { DeliveryStreamName: ingest.deliveryStream.ref },
        statistic: "Minimum",
        period: fiveMinutes,
      }),
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    );
    // The pipeline runs daily, so one failed execution is a day without curated data or fresh thresholds.
    const daily = { statistic: "Sum", period: Duration.hours(1) };
    this.pipelineFailureAlarm = alarm(
      "PipelineFailures",
      "The analytics pipeline (crawl, ETL, prepare, train, calibrate) failed; the failure notification names the state",
      pipeline.stateMachine.metricFailed(daily),
    );
    this.pipelineTimeoutAlarm = alarm(
      "PipelineTimeouts",
      "The analytics pipeline timed out (12 h); a crawler or training job may be stuck",
      pipeline.stateMachine.metricTimedOut(daily),
    );

    const outputs: [outputId: string, value: string, description: string][] = [
      ["DevicePolicyName", fleet.policy.ref, "IoT policy to attach to each board certificate"],
      ["RawBucketName", ingest.rawBucket.bucketName, "Raw telemetry bucket (raw/ and errors/ prefixes)"],
      ["IotEndpoint", props.iotEndpoint.address, "IoT data endpoint (ATS) the boards connect to: the mcconfig endpoint= argument"],
      ["CuratedBucketName", props.curated.bucket.bucketName, "Curated bucket (curated/telemetry/, quarantine/, ml/, athena-results/)"],
      ["GlueDatabaseName", props.catalog.databaseName, "Glue database of the raw and curated tables"],
      ["AthenaWorkGroupName", props.athena.workGroupName, "Athena workgroup holding the named queries"],
      ["StateMachineArn", pipeline.stateMachine.stateMachineArn, "Analytics pipeline; start an execution to run it now"],
      ["NotificationTopicArn", pipeline.topic.topicArn, "Pipeline failures and alarms; subscribe an e-mail address to it"],
    ];
    for (const [outputId, value, description] of outputs) new CfnOutput(scope, outputId, { value, description });
  }
}
