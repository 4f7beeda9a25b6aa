import { test } from "node:test";
import assert from "node:assert/strict";
import { ALGORITHM_REGISTRY_ACCOUNTS } from "../../cloud/lib/sagemakerImages.ts";
import { FORECAST_HOURS } from "../../cloud/lib/forecastHorizon.ts";
import { RCF_FEATURES } from "../../cloud/lib/ModelTraining.ts";
import { accountArn, allStates, definition, logicalId, objectsArn, statementsOfRole, statementWith, synthFixtureStack } from "./stackFixture.ts";

const { stack, template, resources } = synthFixtureStack();
const roleId = logicalId(stack, stack.training.executionRole);
const curatedId = logicalId(stack, stack.curated.bucket);
const smId = logicalId(stack, stack.pipeline.stateMachine);

const states = allStates(definition(resources, smId));
const image = (mapping: string, repo: string) =>
  `<{'Fn::FindInMap':['${mapping}',{'Ref':'AWS::Region'},'account']}>.dkr.ecr.<{'Ref':'AWS::Region'}>.<{'Ref':'AWS::URLSuffix'}>/${repo}:1`;

test("image registries: a CloudFormation mapping per algorithm, from the documented region -> account tables", () => {
  const mappings = template.toJSON().Mappings;
  for (const [id, algorithm] of [
    ["SageMakerImageAccountsRcf", "randomcutforest"],
    ["SageMakerImageAccountsDeepAr", "forecasting-deepar"],
  ] as const) {
    assert.deepEqual(mappings[id], Object.fromEntries(Object.entries(ALGORITHM_REGISTRY_ACCOUNTS[algorithm]).map(([r, account]) => [r, { account }])));
  }
  // Spot checks against SageMaker's "Docker Registry Paths" pages: the two algorithms differ by region.
  assert.equal(ALGORITHM_REGISTRY_ACCOUNTS.randomcutforest["eu-west-1"], "438346466558");
  assert.equal(ALGORITHM_REGISTRY_ACCOUNTS["forecasting-deepar"]["eu-west-1"], "224300973850");
  assert.equal(ALGORITHM_REGISTRY_ACCOUNTS.randomcutforest["us-east-1"], "382416733822");
  assert.equal(ALGORITHM_REGISTRY_ACCOUNTS["forecasting-deepar"]["us-east-1"], "522234722520");
});

test("RCF training: built-in image, 9 features, CSV without label, sharded input, models under the run folder", () => {
  const t = states["Train Random Cut Forest"]!;
  assert.match(t.Resource, /:states:::sagemaker:createTrainingJob\.sync$/);
  const p = t.Parameters;
  assert.equal(p.AlgorithmSpecification.TrainingImage, image("SageMakerImageAccountsRcf", "randomcutforest"));
  assert.deepEqual(p.HyperParameters, { feature_dim: String(RCF_FEATURES.length), num_trees: "100", num_samples_per_tree: "256" });
  assert.deepEqual(p.InputDataConfig, [
    {
      ChannelName: "train",
      ContentType: "text/csv;label_size=0",
      DataSource: { S3DataSource: { "S3Uri.$": "$.paths.rcfTrain", S3DataType: "S3Prefix", S3DataDistributionType: "ShardedByS3Key" } },
    },
  ]);
  assert.deepEqual(p.OutputDataConfig, { "S3OutputPath.$": "$.paths.models" });
  assert.equal(p["TrainingJobName.$"], "States.Format('aqm-rcf-{}', $.run.id)");
  assert.equal(p.RoleArn, `<{'Fn::GetAtt':['${roleId}','Arn']}>`);
});

test("DeepAR training: built-in image, hourly, 24 h prediction, JSON lines", () => {
  const p = states["Train DeepAR"]!.Parameters;
  assert.equal(p.AlgorithmSpecification.TrainingImage, image("SageMakerImageAccountsDeepAr", "forecasting-deepar"));
  assert.equal(p.HyperParameters.time_freq, "H");
  assert.equal(p.HyperParameters.prediction_length, String(FORECAST_HOURS));
  assert.equal(FORECAST_HOURS, 24);
  assert.equal(p.InputDataConfig[0].ContentType, "application/jsonlines");
  assert.equal(p.InputDataConfig[0].DataSource.S3DataSource["S3Uri.$"], "$.paths.deeparTrain");
});

test("batch transform: RCF scores per-thing CSV into JSON lines; DeepAR forecasts with quantiles", () => {
  const rcf = states["Score readings (RCF batch transform)"]!;
  assert.match(rcf.Resource, /createTransformJob\.sync$/);
  assert.deepEqual(rcf.Parameters.TransformInput, {
    ContentType: "text/csv",
    SplitType: "Line",
    DataSource: { S3DataSource: { "S3Uri.$": "$.paths.rcfScoreInput", S3DataType: "S3Prefix" } },
  });
  assert.deepEqual(rcf.Parameters.TransformOutput, { "S3OutputPath.$": "$.paths.rcfScores", Accept: "application/jsonlines", AssembleWith: "Line" });
  assert.equal(states["Create RCF model"]!.Parameters.PrimaryContainer["ModelDataUrl.$"], "$.rcf.modelData");
  const deepar = states["Forecast 24 h (DeepAR batch transform)"]!;
  assert.equal(deepar.Parameters.TransformInput.DataSource.S3DataSource["S3Uri.$"], "$.paths.deeparInfer");
  assert.deepEqual(JSON.parse(deepar.Parameters.Environment.DEEPAR_INFERENCE_CONFIG), {
    num_samples: 100,
    output_types: ["mean", "quantiles"],
    quantiles: ["0.1", "0.5", "0.9"],
  });
  for (const name of [
    "Train Random Cut Forest",
    "Create RCF model",
    "Score readings (RCF batch transform)",
    "Train DeepAR",
    "Create DeepAR model",
    "Forecast 24 h (DeepAR batch transform)",
  ]) {
    assert.ok(states[name]!.Retry?.length > 0, `${name} retries`);
  }
});

test("SageMaker execution role: run prefixes only; the one * is PutMetricData limited to the SageMaker namespaces", () => {
  const stmts = statementsOfRole(resources, roleId);
  assert.equal(stmts.length, 5);
  assert.deepEqual(statementWith(stmts, "s3:GetObject").Resource, [objectsArn(curatedId, "ml/input/*"), objectsArn(curatedId, "ml/models/*")]);
  assert.deepEqual(statementWith(stmts, ["s3:PutObject", "s3:AbortMultipartUpload"]).Resource, [
    objectsArn(curatedId, "ml/models/*"),
    objectsArn(curatedId, "ml/output/*"),
  ]);
  const list = statementWith(stmts, "s3:ListBucket");
  assert.deepEqual([list.Resource, list.Condition], [{ "Fn::GetAtt": [curatedId, "Arn"] }, { StringLike: { "s3:prefix": ["ml/input/*", "ml/models/*"] } }]);
  assert.deepEqual(
    statementWith(stmts, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]).Resource,
    accountArn("logs", "log-group:/aws/sagemaker/*"),
  );
  const metrics = statementWith(stmts, "cloudwatch:PutMetricData");
  assert.deepEqual([metrics.Resource, metrics.Condition], ["*", { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } }]);
  assert.deepEqual(
    stmts.filter((s) => s.Resource === "*").map((s) => s.Action),
    ["cloudwatch:PutMetricData"],
  );
  assert.equal(resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service, "sagemaker.amazonaws.com");
});
