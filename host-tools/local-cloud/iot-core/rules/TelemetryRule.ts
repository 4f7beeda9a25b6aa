import { TELEMETRY_RULE_FILE } from "../../../../cloud/lib/iotFiles.ts";
import { TopicRule } from "./TopicRule.ts";

/** The file the cloud stack deploys the telemetry rule from (cloud/iot/telemetry-rule.json); the local twin runs the same one. */
export const TELEMETRY_TOPIC_RULE_FILE = TELEMETRY_RULE_FILE;

/** The rule's name in AWS: TelemetryIngest's default `ruleName` (a test keeps the two equal). */
export const TELEMETRY_RULE_NAME = "aqm_telemetry_to_firehose";

/** How AWS names the rule's Firehose action in error records. */
export const TELEMETRY_ACTION_NAME = "FirehoseAction";

export function loadTelemetryTopicRule(file: string = TELEMETRY_TOPIC_RULE_FILE): TopicRule {
  return TopicRule.load(file, TELEMETRY_RULE_NAME);
}
