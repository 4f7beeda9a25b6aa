/**
 * Loads the IoT JSON files in `cloud/iot/` — the single source shared with the local IoT Core.
 *
 * Placeholders in `device-policy.json` substituted by the stack: `${AWS::Region}` and
 * `${AWS::AccountId}` (replaced by the deploy-time region/account tokens). IoT policy variables such
 * as `${iot:Connection.Thing.ThingName}` are left untouched for AWS IoT to resolve per connection.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DEVICE_POLICY_FILE = fileURLToPath(new URL("../iot/device-policy.json", import.meta.url));
export const TELEMETRY_RULE_FILE = fileURLToPath(new URL("../iot/telemetry-rule.json", import.meta.url));

/** The topic rule's name in AWS, which the local IoT Core also gives its error records. */
export const TELEMETRY_RULE_NAME = "aqm_telemetry_to_firehose";

export interface TelemetryRuleFile {
  readonly sql: string;
  readonly awsIotSqlVersion: string;
  readonly ruleDisabled: boolean;
  readonly description: string;
}

export function readDevicePolicyText(path: string = DEVICE_POLICY_FILE): string {
  return readFileSync(path, "utf8");
}

/** Parses the policy file after substituting the CloudFormation placeholders with the given values. */
export function loadDevicePolicy(region: string, accountId: string, path: string = DEVICE_POLICY_FILE): unknown {
  const text = readDevicePolicyText(path).split("${AWS::Region}").join(region).split("${AWS::AccountId}").join(accountId);
  return JSON.parse(text);
}

/**
 * The policy for a stack: the file's ARNs are written for the `aws` partition (which the local IoT
 * Core evaluates), and the stack's own partition (aws-cn, aws-us-gov) replaces it.
 */
export function loadDevicePolicyForPartition(partition: string, region: string, accountId: string, path: string = DEVICE_POLICY_FILE): unknown {
  const text = readDevicePolicyText(path).split('"arn:aws:').join(`"arn:${partition}:`);
  return JSON.parse(text.split("${AWS::Region}").join(region).split("${AWS::AccountId}").join(accountId));
}

export function loadTelemetryRule(path: string = TELEMETRY_RULE_FILE): TelemetryRuleFile {
  return JSON.parse(readFileSync(path, "utf8")) as TelemetryRuleFile;
}
