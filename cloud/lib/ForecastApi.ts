import { CfnOutput } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { acknowledgeWildcards, bucketArnRef } from "./nagAcks.ts";
import { lambdaCodeDir, PythonLambda } from "./PythonLambda.ts";

export interface ForecastApiProps {
  /** Curated bucket whose `serving/forecasts/` the results step fills after each training. */
  readonly curatedBucket: s3.IBucket;
}

/**
 * `GET /forecasts/<thing>`: a board's next 24 h as the last training forecast them, from a Lambda
 * function URL with IAM auth (`cloud/lambda/forecast_api/forecast_api.py`). Batch results behind
 * a small function rather than a SageMaker serverless endpoint; cloud/README.md has the costs.
 */
export class ForecastApi extends Construct {
  readonly lambda: PythonLambda;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ForecastApiProps) {
    super(scope, id);
    const { curatedBucket } = props;
    this.lambda = new PythonLambda(this, "Api", {
      description: "GET /forecasts/<thing>: the board's newest 24 h forecasts from serving/forecasts/",
      codeDir: lambdaCodeDir("forecast_api"),
      handler: "forecast_api.handler",
      memorySize: 128,
      environment: { BUCKET: curatedBucket.bucketName, SERVING_PREFIX: CURATED_PREFIXES.servingForecasts },
    });
    this.lambda.role.addToPolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [curatedBucket.arnForObjects(`${CURATED_PREFIXES.servingForecasts}*`)] }),
    );
    // Without ListBucket, S3 answers a missing key with 403, not the 404 the API turns into "no forecast for".
    this.lambda.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [curatedBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${CURATED_PREFIXES.servingForecasts}*`] } },
      }),
    );
    acknowledgeWildcards(this.lambda.role, {
      [`${bucketArnRef(curatedBucket)}/${CURATED_PREFIXES.servingForecasts}*`]:
        "Reads the forecast document of the thing asked for (<thing>.json); the fleet grows without redeploying. Read-only, confined to the serving prefix.",
    });
    this.url = this.lambda.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(scope, "ForecastApiUrl", { value: this.url.url, description: "Forecast API (IAM-signed GET /forecasts/<thing>[?channel=<channel>])" });
  }
}
