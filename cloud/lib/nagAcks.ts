/**
 * cdk-nag acknowledgements, each with its reason, in the form the existing stack uses
 * (`Validations.of(x).acknowledge`). Findings name resources as cdk-nag prints them, with
 * CloudFormation references written `<LogicalId.Arn>`; these helpers build those names from the
 * constructs so an acknowledgement follows a renamed resource instead of going stale.
 */
import { Stack, Validations } from "aws-cdk-lib";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { CfnResource } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** `<LogicalId.Arn>` of a bucket, as cdk-nag writes a GetAtt in a finding. */
export function bucketArnRef(bucket: s3.IBucket): string {
  return `<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnResource)}.Arn>`;
}

/** An account-scoped ARN as cdk-nag writes it: `arn:<AWS::Partition>:service:<AWS::Region>:<AWS::AccountId>:rest`. */
export function nagArn(service: string, rest: string): string {
  return `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${rest}`;
}

/** Acknowledges AwsSolutions-IAM5 for each wildcard resource (or `Action::...`) on `scope`. */
export function acknowledgeWildcards(scope: IConstruct, findings: Readonly<Record<string, string>>): void {
  for (const [finding, reason] of Object.entries(findings)) {
    const subject = finding.startsWith("Action::") ? finding : `Resource::${finding}`;
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${subject}]`, reason });
  }
}
