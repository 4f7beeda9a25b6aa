import { Aws, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as iot from "aws-cdk-lib/aws-iot";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { DEFAULT_SCORER_CONFIG } from "../../firmware/anomaly/ScorerConfig.ts";
import { CHANNELS } from "../../firmware/telemetry/Channels.ts";
import { telemetryTopic } from "../../firmware/session/MqttTopics.ts";
import { loadPollutantLimits, type PollutantLimit } from "./pollutantLimits.ts";

/** The IoT SQL version every alert rule is written for (the telemetry rule's). */
const IOT_SQL_VERSION = "2016-03-23";

export interface AirQualityAlertsProps {
  /** Guideline levels, one alert rule each. @default the WHO 2021 table (loadPollutantLimits) */
  readonly limits?: readonly PollutantLimit[];
  /** Anomaly score at or above which a reading is alerted. @default the board scorer's default threshold (DEFAULT_SCORER_CONFIG.threshold) */
  readonly anomalyThreshold?: number;
  /** Removal policy of the topic's key. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Alerts for the people near the boards, apart from the operators' pipeline topic: one IoT rule per
 * pollutant guideline (a reading above its level) and one for a reading the board scored as
 * anomalous, each publishing the thing, the channel, the value and the level to an SNS topic
 * (KMS-encrypted, TLS-only). A rule per channel, because IoT SQL cannot say which of several
 * conditions matched: the message names its channel by being that channel's rule. Readings that
 * arrive in a backlog batch (`{"batch": [...]}`) are old news and are not alerted.
 */
export class AirQualityAlerts extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly role: iam.Role;
  /** By channel (and `anomaly`), the rule that alerts on it. */
  readonly rules: Readonly<Record<string, iot.CfnTopicRule>>;

  constructor(scope: Construct, id: string, props: AirQualityAlertsProps = {}) {
    super(scope, id);
    this.topicKey = new kms.Key(this, "TopicKey", {
      description: "aqm: encrypts the air-quality alert topic",
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.topic = new sns.Topic(this, "Topic", { displayName: "aqm air-quality alerts", masterKey: this.topicKey, enforceSSL: true });
    this.role = new iam.Role(this, "RuleRole", {
      assumedBy: new iam.ServicePrincipal("iot.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
      description: "IoT alert rules publish to the air-quality alert topic",
    });
    // Written out rather than grantPublish, which grants kms:GenerateDataKey* where these two suffice.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["sns:Publish"], resources: [this.topic.topicArn] }));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [this.topicKey.keyArn] }));

    const from = `FROM '${telemetryTopic("+")}'`;
    const rules: Record<string, iot.CfnTopicRule> = {};
    for (const limit of props.limits ?? loadPollutantLimits()) {
      const unit = CHANNELS.find((c) => c.name === limit.channel)!.unit;
      rules[limit.channel] = this.rule(
        `Limit-${limit.channel}`,
        `aqm_alert_${limit.channel}`,
        `A reading of ${limit.pollutant} above the WHO 2021 ${limit.averagingHours}-hour guideline level (${limit.level} ${unit}): an early warning, the guideline being for a ${limit.averagingHours}-hour mean`,
        `SELECT topic(3) AS thing, '${limit.channel}' AS channel, ${limit.channel} AS value, '${unit}' AS unit, ${limit.level} AS guideline_level, ` +
          `${limit.averagingHours} AS guideline_hours, 'WHO 2021 ${limit.pollutant}' AS guideline, ts, interval_s ${from} WHERE ${limit.channel} > ${limit.level}`,
      );
    }
    const threshold = props.anomalyThreshold ?? DEFAULT_SCORER_CONFIG.threshold;
    rules.anomaly = this.rule(
      "Anomaly",
      "aqm_alert_anomaly",
      `A reading the board's own scorer flagged as anomalous (score at least ${threshold}), with every channel's value`,
      `SELECT topic(3) AS thing, 'anomaly' AS channel, anomaly AS value, ${threshold} AS threshold, ts, interval_s, ` +
        `${CHANNELS.map((c) => c.name).join(", ")} ${from} WHERE anomaly >= ${threshold}`,
    );
    this.rules = rules;
  }

  private rule(id: string, ruleName: string, description: string, sql: string): iot.CfnTopicRule {
    const rule = new iot.CfnTopicRule(this, id, {
      ruleName,
      topicRulePayload: {
        sql,
        awsIotSqlVersion: IOT_SQL_VERSION,
        ruleDisabled: false,
        description,
        // RAW: the subscriber gets the rule's JSON as it is, not wrapped in an SNS envelope.
        actions: [{ sns: { targetArn: this.topic.topicArn, roleArn: this.role.roleArn, messageFormat: "RAW" } }],
      },
    });
    rule.node.addDependency(this.role);
    return rule;
  }
}
