import { Aws } from "aws-cdk-lib";
import * as iot from "aws-cdk-lib/aws-iot";
import { Construct } from "constructs";
import { loadDevicePolicyForPartition } from "./iotFiles.ts";

export interface DeviceFleetProps {
  /** Thing type of the air-quality boards. @default 'aqm-board' */
  readonly thingTypeName?: string;
  /** Name of the least-privilege device policy. @default 'aqm-device-policy' */
  readonly policyName?: string;
}

/** The boards' identity side: a thing type and the device policy loaded from `cloud/iot/device-policy.json`. */
export class DeviceFleet extends Construct {
  readonly thingType: iot.CfnThingType;
  readonly policy: iot.CfnPolicy;
  readonly policyName: string;

  constructor(scope: Construct, id: string, props: DeviceFleetProps = {}) {
    super(scope, id);
    this.thingType = new iot.CfnThingType(this, "ThingType", {
      thingTypeName: props.thingTypeName ?? "aqm-board",
      thingTypeProperties: { thingTypeDescription: "Air-quality monitoring board" },
    });
    this.policyName = props.policyName ?? "aqm-device-policy";
    this.policy = new iot.CfnPolicy(this, "Policy", {
      policyName: this.policyName,
      policyDocument: loadDevicePolicyForPartition(Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID),
    });
  }
}
