import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import type { AirQualityAlerts } from "./AirQualityAlerts.ts";
import type { AnalyticsPipeline } from "./AnalyticsPipeline.ts";
import type { FleetWatch } from "./FleetWatch.ts";
import { PIPELINE_METRIC_NAMESPACE, THRESHOLD_REFUSAL_REASONS } from "./NewDataCheck.ts";
import type { TelemetryIngest } from "./TelemetryIngest.ts";

export interface OperatorDashboardProps {
  /** Telemetry rule and delivery stream: is data coming in? */
  readonly ingest: TelemetryIngest;
  /** The daily pipeline: did it run, skip, refuse? */
  readonly pipeline: AnalyticsPipeline;
  /** The fleet silence alarm and the silent-board count. */
  readonly fleetWatch: FleetWatch;
  /** The alert rules: how often readings crossed a limit. */
  readonly alerts: AirQualityAlerts;
  /** @default aqm-operations */
  readonly dashboardName?: string;
}

/**
 * The operator's one page: a CloudWatch dashboard, not a QuickSight analysis. What an operator
 * acts on is state and change (are boards sending, which alarm fired, did last night's run
 * train, skip or refuse): that is CloudWatch's metrics and alarms, live, in the console where the
 * alarms already are, for about $3 a month. QuickSight answers questions over the lake's tables,
 * which the named queries and the report page already do, at a per-user subscription, with its
 * own account set-up and IAM, and SPICE refreshes that lag the data by hours.
 */
export class OperatorDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperatorDashboardProps) {
    super(scope, id);
    const { ingest, pipeline, fleetWatch, alerts } = props;
    const fiveMinutes = Duration.minutes(5);
    const day = Duration.days(1);
    const iotRule = (metricName: string, rule: string, label: string) =>
      new cloudwatch.Metric({ namespace: "AWS/IoT", metricName, dimensionsMap: { RuleName: rule }, statistic: "Sum", period: fiveMinutes, label });
    const pipelineCount = (metricName: string, reason: string) =>
      new cloudwatch.Metric({
        namespace: PIPELINE_METRIC_NAMESPACE,
        metricName,
        dimensionsMap: { Reason: reason },
        statistic: "Sum",
        period: day,
        label: `${metricName} (${reason})`,
      });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName ?? "aqm-operations",
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: [fleetWatch.fleetSilenceAlarm], width: 8, height: 4 }),
      new cloudwatch.SingleValueWidget({
        title: "Silent boards now",
        metrics: [new cloudwatch.Metric({ namespace: "aqm/Fleet", metricName: "SilentBoards", statistic: "Maximum", period: fiveMinutes })],
        width: 8,
        height: 4,
      }),
      new cloudwatch.GraphWidget({
        title: "Telemetry in (messages per 5 min)",
        left: [iotRule("TopicMatch", ingest.rule.ref, "messages matched"), iotRule("Failure", ingest.rule.ref, "rule action failures")],
        right: [
          new cloudwatch.Metric({
            namespace: "AWS/Firehose",
            metricName: "DeliveryToS3.Records",
            dimensionsMap: { DeliveryStreamName: ingest.deliveryStream.ref },
            statistic: "Sum",
            period: fiveMinutes,
            label: "records delivered to S3",
          }),
        ],
        width: 8,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Readings over a WHO 2021 guideline level or flagged anomalous (alerts sent)",
        left: Object.entries(alerts.rules).map(([channel, rule]) => iotRule("TopicMatch", rule.ref, channel)),
        stacked: true,
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: "Daily pipeline: runs, skips, thresholds published and refused",
        left: [
          pipeline.stateMachine.metricSucceeded({ period: day, label: "runs succeeded" }),
          pipeline.stateMachine.metricFailed({ period: day, label: "runs failed" }),
          pipelineCount("TrainingSkipped", "no-new-curated-data"),
        ],
        right: [pipelineCount("ThresholdsPublished", "accepted"), ...THRESHOLD_REFUSAL_REASONS.map((reason) => pipelineCount("ThresholdsRefused", reason))],
        width: 12,
        height: 6,
      }),
    );
  }
}
