import { Stack, Validations } from "aws-cdk-lib";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";

/**
 * The account's IoT data endpoint (ATS), which CloudFormation does not expose: a custom resource
 * calls iot:DescribeEndpoint once at deploy time. Boards and the shadow updater both need it.
 */
export class IotEndpoint extends Construct {
  /** Host name, e.g. `xxxxxxxx-ats.iot.eu-west-1.amazonaws.com`. */
  readonly address: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const call: cr.AwsSdkCall = {
      service: "Iot",
      action: "describeEndpoint",
      parameters: { endpointType: "iot:Data-ATS" },
      physicalResourceId: cr.PhysicalResourceId.of("iot-data-ats-endpoint"),
    };
    const resource = new cr.AwsCustomResource(this, "Describe", {
      onCreate: call,
      onUpdate: call,
      // Deploying must not download an SDK: the runtime's own SDK has DescribeEndpoint.
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    this.address = resource.getResponseField("endpointAddress");
    Validations.of(resource).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason: "iot:DescribeEndpoint has no resource-level permissions; the policy allows that one read-only action only.",
    });
    // The provider function is a stack-level singleton that AwsCustomResource creates with the basic execution role.
    const provider = Stack.of(this).node.findChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, "")}`);
    Validations.of(provider).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason: "The CDK-managed provider of AwsCustomResource only writes its own logs through the basic execution role.",
    });
  }
}
