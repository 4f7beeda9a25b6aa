import * as iam from "aws-cdk-lib/aws-iam";
import * as s3assets from "aws-cdk-lib/aws-s3-assets";
import type { Construct } from "constructs";

/** A file the stack ships to S3 as an asset, and the one statement a role needs to read exactly that object. */
export function fileAsset(scope: Construct, id: string, path: string): { asset: s3assets.Asset; readStatement: iam.PolicyStatement } {
  const asset = new s3assets.Asset(scope, id, { path });
  return {
    asset,
    readStatement: new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }),
  };
}
