import { Aws } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3assets from "aws-cdk-lib/aws-s3-assets";
import { Construct } from "constructs";
import { fileAsset } from "./glueAssets.ts";
import { acknowledgeWildcards, nagArn } from "./nagAcks.ts";
import { glueLogStatement, type TelemetryCatalog } from "./TelemetryCatalog.ts";

export interface PythonShellJobProps {
  /** Security configuration (encrypted logs) and key the job runs with. */
  readonly catalog: TelemetryCatalog;
  /** The job's script, shipped as an asset. */
  readonly scriptFile: string;
  readonly jobName: string;
  /** What the job does, for the console's job list. */
  readonly jobDescription: string;
  /** What the role may touch, for the console's role list. */
  readonly roleDescription: string;
  /** The script's own arguments (`--name` → value). */
  readonly arguments: Readonly<Record<string, string>>;
}

/**
 * A Glue Python shell job (Python 3.9, pandas and pyarrow from Glue's analytics library set, a
 * sixteenth of a DPU) with a role that may read its script, write its encrypted logs and nothing
 * else: each job adds the S3 grants of its own data. A base class rather than a child, so the
 * job, role and script keep the construct paths (and logical IDs) of the step that extends it.
 */
export class PythonShellJob extends Construct {
  readonly job: glue.CfnJob;
  readonly jobName: string;
  readonly role: iam.Role;
  /** The job's script, as the asset the job runs. */
  readonly script: s3assets.Asset;

  constructor(scope: Construct, id: string, props: PythonShellJobProps) {
    super(scope, id);
    const { catalog } = props;
    const script = fileAsset(this, "Script", props.scriptFile);
    this.script = script.asset;
    this.jobName = props.jobName;

    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("glue.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
      description: props.roleDescription,
    });
    this.role.addToPolicy(script.readStatement);
    this.role.addToPolicy(glueLogStatement(this, "jobs"));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources: [catalog.key.keyArn] }));
    acknowledgeWildcards(this.role, {
      [nagArn("logs", "log-group:/aws-glue/jobs*")]:
        "Glue names the job log groups itself (suffixed with the security configuration) and creates streams per run.",
    });

    this.job = new glue.CfnJob(this, "Job", {
      name: this.jobName,
      description: props.jobDescription,
      role: this.role.roleArn,
      glueVersion: "3.0",
      maxCapacity: 0.0625,
      timeout: 30,
      securityConfiguration: catalog.securityConfigurationName,
      command: { name: "pythonshell", pythonVersion: "3.9", scriptLocation: script.asset.s3ObjectUrl },
      defaultArguments: { "library-set": "analytics", ...props.arguments },
    });
    this.job.node.addDependency(catalog.securityConfiguration);
  }
}
