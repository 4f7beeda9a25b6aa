import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { AqmStack, type AqmStackProps } from "./AqmStack.ts";

/** Builds the app with cdk-nag AwsSolutions checks registered; shared by bin/ and the tests. */
export function buildApp(app: App = new App(), props: AqmStackProps = {}): { app: App; stack: AqmStack; nag: AwsSolutionsChecks } {
  const stack = new AqmStack(app, "AqmCloud", { description: "aqm: IoT Core -> Firehose -> S3 lake -> Glue -> SageMaker, Step Functions, Athena", ...props });
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  return { app, stack, nag };
}
