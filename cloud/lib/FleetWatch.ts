import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as iot from "aws-cdk-lib/aws-iot";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { acknowledgeWildcards, bucketArnRef, nagArn } from "./nagAcks.ts";
import { lambdaCodeDir, PythonLambda } from "./PythonLambda.ts";

/** Where the board silence watcher keeps each board's newest reading between runs. */
export const BOARD_SILENCE_STATE_KEY = `${CURATED_PREFIXES.operations}board-silence.json`;

export interface FleetWatchProps {
  /** The telemetry topic rule: its TopicMatch count is the fleet's heartbeat. */
  readonly telemetryRule: iot.CfnTopicRule;
  /** Raw bucket the watcher reads new objects from. */
  readonly rawBucket: s3.IBucket;
  /** Prefix of the raw telemetry, with a trailing slash. @default 'raw/' */
  readonly rawPrefix?: string;
  /** Curated bucket holding the watcher's state under `ops/`. */
  readonly curatedBucket: s3.IBucket;
  /** Topic the alarms notify (the fleet's and each board's). */
  readonly topic: sns.ITopic;
  /** How long the whole fleet may send nothing before the alarm. @default 15 minutes */
  readonly fleetSilence?: Duration;
  /** How often the watcher looks for silent boards. @default 5 minutes */
  readonly watchEvery?: Duration;
}

/**
 * Telling an operator when boards go quiet: an alarm when the whole fleet sends nothing for
 * `fleetSilence` (no data counts as breaching, since silence is exactly what sends no data), and
 * a scheduled watcher (`cloud/lambda/board_silence/board_silence.py`) that gives each board that
 * has been silent for more than 3 of its intervals an alarm of its own.
 */
export class FleetWatch extends Construct {
  readonly fleetSilenceAlarm: cloudwatch.Alarm;
  readonly watcher: PythonLambda;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: FleetWatchProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const silence = props.fleetSilence ?? Duration.minutes(15);
    if (silence.toMinutes() % 5 !== 0 || silence.toMinutes() < 5)
      throw new RangeError(`fleetSilence must be a whole number of 5-minute periods, got ${silence.toMinutes()} minutes`);
    this.fleetSilenceAlarm = new cloudwatch.Alarm(this, "FleetSilence", {
      alarmDescription: `No telemetry from any board for ${silence.toMinutes()} minutes (the telemetry rule matched no message)`,
      metric: new cloudwatch.Metric({
        namespace: "AWS/IoT",
        metricName: "TopicMatch",
        dimensionsMap: { RuleName: props.telemetryRule.ref },
        statistic: "Sum",
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: silence.toMinutes() / 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.fleetSilenceAlarm.addAlarmAction(new actions.SnsAction(props.topic));
    this.fleetSilenceAlarm.addOkAction(new actions.SnsAction(props.topic));

    const rawPrefix = props.rawPrefix ?? "raw/";
    this.watcher = new PythonLambda(this, "Watcher", {
      description: "Boards silent for more than 3 of their intervals: a metric and an alarm each, from the raw objects delivered since the last run",
      codeDir: lambdaCodeDir("board_silence"),
      handler: "board_silence.handler",
      timeout: Duration.minutes(4),
      memorySize: 512,
      environment: {
        RAW_BUCKET: props.rawBucket.bucketName,
        RAW_PREFIX: rawPrefix,
        STATE_BUCKET: props.curatedBucket.bucketName,
        STATE_KEY: BOARD_SILENCE_STATE_KEY,
        ALARM_TOPIC_ARN: props.topic.topicArn,
      },
    });
    const role = this.watcher.role;
    role.addToPolicy(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [props.rawBucket.arnForObjects(`${rawPrefix}*`)] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [props.rawBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${rawPrefix}*`] } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject", "s3:PutObject"], resources: [props.curatedBucket.arnForObjects(BOARD_SILENCE_STATE_KEY)] }),
    );
    // Without ListBucket a missing state object reads as 403, not as the first run's NoSuchKey.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [props.curatedBucket.bucketArn],
        conditions: { StringEquals: { "s3:prefix": [BOARD_SILENCE_STATE_KEY] } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        conditions: { StringEquals: { "cloudwatch:namespace": ["aqm/Boards", "aqm/Fleet"] } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["cloudwatch:PutMetricAlarm"],
        resources: [
          Stack.of(this).formatArn({ service: "cloudwatch", resource: "alarm", resourceName: "aqm-board-silent-*", arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
    );
    acknowledgeWildcards(role, {
      [`${bucketArnRef(props.rawBucket)}/${rawPrefix}*`]:
        "Reads the raw objects delivered since its last run; their keys are time-based and made by Firehose. Read-only.",
      "*": "cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by condition to the aqm/Boards and aqm/Fleet namespaces.",
      [nagArn("cloudwatch", "alarm:aqm-board-silent-*")]:
        "Creates one alarm per board that falls silent, named aqm-board-silent-<thing>; the fleet grows without redeploying. Only PutMetricAlarm, only on these names.",
    });
    this.schedule = new events.Rule(this, "Schedule", {
      description: "Runs the board silence watcher",
      schedule: events.Schedule.rate(props.watchEvery ?? Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.watcher.function)],
    });
  }
}
