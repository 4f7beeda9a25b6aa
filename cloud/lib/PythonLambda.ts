import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { fileURLToPath } from "node:url";

/** `cloud/lambda/<folder>/`, the code of one of the stack's small Python functions. */
export function lambdaCodeDir(folder: string): string {
  return fileURLToPath(new URL(`../lambda/${folder}/`, import.meta.url));
}

export interface PythonLambdaProps {
  /** What the function does, for the console. */
  readonly description: string;
  /** Folder holding the handler's module. */
  readonly codeDir: string;
  /** `module.function`. */
  readonly handler: string;
  readonly environment?: Record<string, string>;
  /** @default 1 minute */
  readonly timeout?: Duration;
  /** @default 256 MiB */
  readonly memorySize?: number;
  /** Removal policy of the log group. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Python Lambda with its own role, allowed to write only its own log group (kept a month); the
 * construct that owns it adds what else it may do. No managed policy, so every permission is in
 * a statement the tests can read.
 */
export class PythonLambda extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PythonLambdaProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "Logs", { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, "Role", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"), description: props.description });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [this.logGroup.logGroupArn] }));
    this.function = new lambda.Function(this, "Function", {
      description: props.description,
      runtime: lambda.Runtime.PYTHON_3_15,
      handler: props.handler,
      code: lambda.Code.fromAsset(props.codeDir),
      role: this.role,
      logGroup: this.logGroup,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      environment: props.environment,
    });
  }
}

/** cloudwatch:PutMetricData has no resource-level permission; the condition confines it to one namespace. */
export function putMetricDataStatement(namespace: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ["cloudwatch:PutMetricData"],
    resources: ["*"],
    conditions: { StringEquals: { "cloudwatch:namespace": namespace } },
  });
}
