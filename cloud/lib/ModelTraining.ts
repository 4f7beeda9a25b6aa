import { ArnFormat, Duration, Size, Stack } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { FORECAST_HOURS } from "./forecastHorizon.ts";
import { acknowledgeWildcards, bucketArnRef, nagArn } from "./nagAcks.ts";
import type { RunPath } from "./runPaths.ts";
import { algorithmImageUri } from "./sagemakerImages.ts";

/** Channels the data-preparation script writes per reading, in this order (RCF's feature_dim). */
export const RCF_FEATURES = ["pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3", "co_ppb", "no2_ppb", "so2_ppb", "o3_ppb", "temperature_c", "humidity_pct"] as const;

/**
 * An S3 location read from the execution state, granting nothing: the CDK's own
 * S3Location.fromJsonExpression grants s3:GetObject/ListBucket/PutObject on `*` to the execution
 * role, and this role's S3 access is already scoped to the run prefixes above.
 */
class RunLocation extends tasks.S3Location {
  constructor(private readonly path: string) {
    super();
  }

  override bind(): tasks.S3LocationConfig {
    return { uri: sfn.JsonPath.stringAt(this.path) };
  }
}

/** `<prefix>-<run id>`: SageMaker names must be unique, so every run names its jobs and models afresh. */
function runJobName(prefix: string): string {
  return sfn.JsonPath.format(`${prefix}-{}`, sfn.JsonPath.stringAt("$.run.id"));
}

/** What differs between the RCF and the DeepAR training jobs. */
interface TrainingJobSpec {
  readonly stateName: string;
  /** Job name prefix; the run id is appended. */
  readonly prefix: string;
  readonly image: string;
  readonly hyperparameters: Record<string, string>;
  readonly contentType: string;
  readonly input: RunPath;
  /** @default fully replicated to every instance */
  readonly distribution?: tasks.S3DataDistributionType;
  readonly resultPath: string;
}

/** What differs between the RCF scoring and the DeepAR forecasting batch transforms. */
interface TransformJobSpec {
  readonly stateName: string;
  /** Model and job name prefix; the run id is appended. */
  readonly prefix: string;
  readonly environment?: Record<string, string>;
  readonly contentType: string;
  readonly input: RunPath;
  readonly output: RunPath;
  /** Name under which the output folder is kept in the state. */
  readonly resultKey: string;
  readonly resultPath: string;
}

export interface ModelTrainingProps {
  /** Curated bucket holding `ml/input/`, `ml/models/` and `ml/output/`. */
  readonly curatedBucket: s3.IBucket;
  /** Training instance type (both algorithms train on CPU). @default ml.m5.xlarge */
  readonly trainingInstanceType?: ec2.InstanceType;
  /** Batch-transform instance type. @default ml.m5.large */
  readonly transformInstanceType?: ec2.InstanceType;
  /** Longest a training job may run. @default 2 hours */
  readonly maxTrainingTime?: Duration;
}

/**
 * SageMaker built-in Random Cut Forest and DeepAR: an execution role scoped to the run folders,
 * and the Step Functions states that train both in parallel and then batch-transform with each
 * model (RCF scores every reading per thing; DeepAR forecasts 24 h per thing and pollutant).
 */
export class ModelTraining extends Construct {
  readonly executionRole: iam.Role;
  readonly rcfImage: string;
  readonly deeparImage: string;
  /** Parallel state: [RCF train → model → score, DeepAR train → model → forecast]. */
  readonly trainAndScore: sfn.Parallel;

  constructor(scope: Construct, id: string, props: ModelTrainingProps) {
    super(scope, id);
    const bucket = props.curatedBucket;
    const stack = Stack.of(this);
    this.rcfImage = algorithmImageUri(this, "randomcutforest");
    this.deeparImage = algorithmImageUri(this, "forecasting-deepar");
    const trainingInstance = props.trainingInstanceType ?? ec2.InstanceType.of(ec2.InstanceClass.M5, ec2.InstanceSize.XLARGE);
    const transformInstance = props.transformInstanceType ?? ec2.InstanceType.of(ec2.InstanceClass.M5, ec2.InstanceSize.LARGE);

    this.executionRole = new iam.Role(this, "ExecutionRole", {
      assumedBy: new iam.ServicePrincipal("sagemaker.amazonaws.com"),
      description: "SageMaker training, models and batch transform: read run input and models, write models and output",
    });
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [bucket.arnForObjects(`${CURATED_PREFIXES.mlInput}*`), bucket.arnForObjects(`${CURATED_PREFIXES.mlModels}*`)],
      }),
    );
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resources: [bucket.arnForObjects(`${CURATED_PREFIXES.mlModels}*`), bucket.arnForObjects(`${CURATED_PREFIXES.mlOutput}*`)],
      }),
    );
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${CURATED_PREFIXES.mlInput}*`, `${CURATED_PREFIXES.mlModels}*`] } },
      }),
    );
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [stack.formatArn({ service: "logs", resource: "log-group", resourceName: "/aws/sagemaker/*", arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        conditions: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } },
      }),
    );

    const b = bucketArnRef(bucket);
    acknowledgeWildcards(this.executionRole, {
      [`${b}/${CURATED_PREFIXES.mlInput}*`]:
        "Training and batch transform read the input of the current run, under a run id (UUID) chosen at run time; read-only.",
      [`${b}/${CURATED_PREFIXES.mlModels}*`]:
        "Training writes model.tar.gz under <run id>/<training job name>/, and model creation reads it back; both names are chosen at run time.",
      [`${b}/${CURATED_PREFIXES.mlOutput}*`]: "Batch transform writes <input>.out files under the run id chosen at run time; write-only.",
      [nagArn("logs", "log-group:/aws/sagemaker/*")]:
        "SageMaker names its log groups (/aws/sagemaker/TrainingJobs, /TransformJobs) and creates one stream per job instance.",
      "*": "cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by condition to the /aws/sagemaker/ namespaces.",
    });

    const s3At = (key: RunPath) => new RunLocation(`$.paths.${key}`);
    const retry = (state: tasks.SageMakerCreateTrainingJob | tasks.SageMakerCreateModel | tasks.SageMakerCreateTransformJob) =>
      state.addRetry({ errors: ["SageMaker.AmazonSageMakerException", "ThrottlingException"], interval: Duration.seconds(30), maxAttempts: 3, backoffRate: 2 });
    /** A training job named `<prefix>-<run id>` on one input channel; its artefact lands at `<resultPath>.modelData`. */
    const train = (id: string, job: TrainingJobSpec) =>
      new tasks.SageMakerCreateTrainingJob(this, id, {
        stateName: job.stateName,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        trainingJobName: runJobName(job.prefix),
        role: this.executionRole,
        algorithmSpecification: { trainingImage: tasks.DockerImage.fromRegistry(job.image), trainingInputMode: tasks.InputMode.FILE },
        hyperparameters: job.hyperparameters,
        inputDataConfig: [
          {
            channelName: "train",
            contentType: job.contentType,
            dataSource: { s3DataSource: { s3Location: s3At(job.input), s3DataType: tasks.S3DataType.S3_PREFIX, s3DataDistributionType: job.distribution } },
          },
        ],
        outputDataConfig: { s3OutputLocation: s3At("models") },
        resourceConfig: { instanceCount: 1, instanceType: trainingInstance, volumeSize: Size.gibibytes(10) },
        stoppingCondition: { maxRuntime: props.maxTrainingTime ?? Duration.hours(2) },
        resultSelector: { "modelData.$": "$.ModelArtifacts.S3ModelArtifacts" },
        resultPath: job.resultPath,
      });
    /** A batch transform with the model `<prefix>-<run id>`, line by line; its output folder lands at `resultPath` under `resultKey`. */
    const transform = (id: string, job: TransformJobSpec) =>
      new tasks.SageMakerCreateTransformJob(this, id, {
        stateName: job.stateName,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        transformJobName: runJobName(job.prefix),
        modelName: runJobName(job.prefix),
        role: this.executionRole,
        environment: job.environment,
        transformInput: {
          contentType: job.contentType,
          splitType: tasks.SplitType.LINE,
          transformDataSource: { s3DataSource: { s3Uri: sfn.JsonPath.stringAt(`$.paths.${job.input}`), s3DataType: tasks.S3DataType.S3_PREFIX } },
        },
        transformOutput: {
          s3OutputPath: sfn.JsonPath.stringAt(`$.paths.${job.output}`),
          accept: "application/jsonlines",
          assembleWith: tasks.AssembleWith.LINE,
        },
        transformResources: { instanceCount: 1, instanceType: transformInstance },
        resultSelector: { [`${job.resultKey}.$`]: "$.TransformOutput.S3OutputPath" },
        resultPath: job.resultPath,
      });

    const trainRcf = train("TrainRcf", {
      stateName: "Train Random Cut Forest",
      prefix: "aqm-rcf",
      image: this.rcfImage,
      hyperparameters: { feature_dim: String(RCF_FEATURES.length), num_trees: "100", num_samples_per_tree: "256" },
      contentType: "text/csv;label_size=0",
      input: "rcfTrain",
      distribution: tasks.S3DataDistributionType.SHARDED_BY_S3_KEY,
      resultPath: "$.rcf",
    });
    const rcfModel = this.createModel("RcfModel", "Create RCF model", "aqm-rcf", this.rcfImage, "$.rcf.modelData");
    const scoreRcf = transform("ScoreRcf", {
      stateName: "Score readings (RCF batch transform)",
      prefix: "aqm-rcf",
      contentType: "text/csv",
      input: "rcfScoreInput",
      output: "rcfScores",
      resultKey: "scoresUri",
      resultPath: "$.rcf.transform",
    });

    const trainDeepAr = train("TrainDeepAr", {
      stateName: "Train DeepAR",
      prefix: "aqm-deepar",
      image: this.deeparImage,
      hyperparameters: {
        time_freq: "H",
        prediction_length: String(FORECAST_HOURS),
        context_length: String(3 * FORECAST_HOURS),
        epochs: "100",
        likelihood: "gaussian",
        early_stopping_patience: "10",
      },
      contentType: "application/jsonlines",
      input: "deeparTrain",
      resultPath: "$.deepar",
    });
    const deepArModel = this.createModel("DeepArModel", "Create DeepAR model", "aqm-deepar", this.deeparImage, "$.deepar.modelData");
    const forecast = transform("ForecastDeepAr", {
      stateName: "Forecast 24 h (DeepAR batch transform)",
      prefix: "aqm-deepar",
      environment: { DEEPAR_INFERENCE_CONFIG: JSON.stringify({ num_samples: 100, output_types: ["mean", "quantiles"], quantiles: ["0.1", "0.5", "0.9"] }) },
      contentType: "application/jsonlines",
      input: "deeparInfer",
      output: "deeparForecasts",
      resultKey: "forecastsUri",
      resultPath: "$.deepar.transform",
    });
    for (const s of [trainRcf, rcfModel, scoreRcf, trainDeepAr, deepArModel, forecast]) retry(s);
    this.trainAndScore = new sfn.Parallel(this, "TrainAndScore", { stateName: "Train and score (RCF, DeepAR)", resultPath: "$.ml" });
    this.trainAndScore.branch(trainRcf.next(rcfModel).next(scoreRcf));
    this.trainAndScore.branch(trainDeepAr.next(deepArModel).next(forecast));
  }

  /** A SageMaker model named `<prefix>-<run id>` from a training job's artefact at `modelDataPath` of the state. */
  private createModel(id: string, stateName: string, prefix: string, image: string, modelDataPath: string): tasks.SageMakerCreateModel {
    return new tasks.SageMakerCreateModel(this, id, {
      stateName,
      modelName: runJobName(prefix),
      role: this.executionRole,
      primaryContainer: new tasks.ContainerDefinition({ image: tasks.DockerImage.fromRegistry(image), modelS3Location: new RunLocation(modelDataPath) }),
      resultPath: sfn.JsonPath.DISCARD,
    });
  }
}
