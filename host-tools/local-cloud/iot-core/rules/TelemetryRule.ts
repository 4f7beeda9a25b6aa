import { TELEMETRY_RULE_FILE, TELEMETRY_RULE_NAME } from "../../../../cloud/lib/iotFiles.ts";
import { TopicRule } from "./TopicRule.ts";

export { TELEMETRY_RULE_NAME };

/** How AWS names the rule's Firehose action in error records. */
export const TELEMETRY_ACTION_NAME = "FirehoseAction";

/** The rule the cloud stack deploys (cloud/iot/telemetry-rule.json, by default), for the local twin to run. */
export function loadTelemetryTopicRule(file: string = TELEMETRY_RULE_FILE): TopicRule {
  return TopicRule.load(file, TELEMETRY_RULE_NAME);
}
