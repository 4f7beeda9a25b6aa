import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { DeviceFleet } from './DeviceFleet.ts';
import type { TelemetryIngest } from './TelemetryIngest.ts';

export interface OperationsProps {
  /** The fleet whose policy name is exported. */
  readonly fleet: DeviceFleet;
  /** The ingest path whose rule and delivery stream are alarmed. */
  readonly ingest: TelemetryIngest;
}

/** Alarms on rule errors and Firehose delivery failures; stack outputs for the fleet tooling. */
export class Operations extends Construct {
  readonly ruleFailureAlarm: cloudwatch.Alarm;
  readonly deliveryFailureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { fleet, ingest } = props;
    this.ruleFailureAlarm = new cloudwatch.Alarm(this, 'RuleFailures', {
      alarmDescription: 'IoT telemetry rule actions failed (see the rule error log group)',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/IoT', metricName: 'Failure',
        dimensionsMap: { RuleName: ingest.rule.ref },
        statistic: 'Sum', period: Duration.minutes(5),
      }),
      threshold: 1, evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deliveryFailureAlarm = new cloudwatch.Alarm(this, 'DeliveryFailures', {
      alarmDescription: 'Firehose failed to deliver telemetry to S3 (DeliveryToS3.Success below 1)',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.Success',
        dimensionsMap: { DeliveryStreamName: ingest.deliveryStream.ref },
        statistic: 'Minimum', period: Duration.minutes(5),
      }),
      threshold: 1, evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new CfnOutput(scope, 'DevicePolicyName', { value: fleet.policy.ref, description: 'IoT policy to attach to each board certificate' });
    new CfnOutput(scope, 'RawBucketName', { value: ingest.rawBucket.bucketName, description: 'Raw telemetry bucket (raw/ and errors/ prefixes)' });
  }
}
