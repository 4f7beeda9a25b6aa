import { Aws, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import type { ModelDataPrep } from "./ModelDataPrep.ts";
import type { ModelResults } from "./ModelResults.ts";
import type { NewDataCheck } from "./NewDataCheck.ts";
import { acknowledgeWildcards, nagArn } from "./nagAcks.ts";
import { type ModelTraining } from "./ModelTraining.ts";
import { RUN_PATHS, runPathArguments } from "./runPaths.ts";
import type { TelemetryCatalog } from "./TelemetryCatalog.ts";
import type { TelemetryEtl } from "./TelemetryEtl.ts";
import { ACCEPTED_THRESHOLDS_KEY, type ThresholdCalibration } from "./ThresholdCalibration.ts";

export interface AnalyticsPipelineProps {
  /** Crawler started first. */
  readonly catalog: TelemetryCatalog;
  /** Raw → curated Glue job. */
  readonly etl: TelemetryEtl;
  /** Curated → SageMaker input Glue job. */
  readonly prep: ModelDataPrep;
  /** Parallel RCF / DeepAR training and batch transform. */
  readonly training: ModelTraining;
  /** Whether the ETL curated anything this run; training is skipped when it did not. */
  readonly newDataCheck: NewDataCheck;
  /** Forecasts and scores → Parquet tables, serving documents, held-out board scores. */
  readonly results: ModelResults;
  /** Scores → candidate thresholds → quality gate → Device Shadows. */
  readonly calibration: ThresholdCalibration;
  /** Curated bucket name, to build the run's S3 URIs. */
  readonly curatedBucketName: string;
  /** When the pipeline runs. @default every day at 02:00 UTC */
  readonly schedule?: events.Schedule;
  /** Removal policy of the log group and the topic key. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The daily pipeline as a Step Functions state machine: crawl → ETL → anything new? → prepare →
 * train both models and batch-transform → publish the results as tables → calibrate device
 * thresholds and push those that pass the quality gate. When the ETL curated nothing the run ends
 * after it, skipped (logged and counted by the check). Any failure is caught once, notified on an
 * SNS topic (KMS-encrypted, TLS-only) and ends the execution as failed.
 */
export class AnalyticsPipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly schedule: events.Rule;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AnalyticsPipelineProps) {
    super(scope, id);
    const { catalog, etl, prep, training, calibration, newDataCheck, results } = props;
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.topicKey = new kms.Key(this, "TopicKey", { description: "aqm: encrypts the pipeline notification topic", enableKeyRotation: true, removalPolicy });
    // CloudWatch alarms publish to this topic and need the key to do so.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new sns.Topic(this, "Notifications", { displayName: "aqm pipeline notifications", masterKey: this.topicKey, enforceSSL: true });

    const runId = new sfn.Pass(this, "RunPaths", {
      stateName: "Name the run",
      parameters: {
        run: { "id.$": "States.UUID()", "startedAt.$": "$$.Execution.StartTime" },
      },
    });
    const paths = new sfn.Pass(this, "Paths", {
      stateName: "Run paths",
      parameters: {
        "run.$": "$.run",
        paths: Object.fromEntries(
          Object.entries(RUN_PATHS).map(([k, template]) => [`${k}.$`, `States.Format('s3://${props.curatedBucketName}/${template}', $.run.id)`]),
        ),
      },
    });

    const crawlerArn = stack.formatArn({ service: "glue", resource: "crawler", resourceName: catalog.crawlerName });
    const startCrawler = new tasks.CallAwsService(this, "StartCrawler", {
      stateName: "Start raw crawler",
      service: "glue",
      action: "startCrawler",
      parameters: { Name: catalog.crawlerName },
      iamResources: [crawlerArn],
      resultPath: sfn.JsonPath.DISCARD,
    });
    const waitCrawler = new sfn.Wait(this, "WaitCrawler", { stateName: "Wait for crawler", time: sfn.WaitTime.duration(Duration.seconds(60)) });
    // A crawl already running (a manual one, or the previous run's) is waited for, not failed on.
    startCrawler.addCatch(waitCrawler, { errors: ["Glue.CrawlerRunningException"], resultPath: sfn.JsonPath.DISCARD });
    const getCrawler = new tasks.CallAwsService(this, "GetCrawler", {
      stateName: "Crawler state",
      service: "glue",
      action: "getCrawler",
      parameters: { Name: catalog.crawlerName },
      iamResources: [crawlerArn],
      // The whole Crawler: LastCrawl is absent until a first crawl ends, and a selector naming it would fail the state.
      resultSelector: { "state.$": "$.Crawler.State", "detail.$": "$.Crawler" },
      resultPath: "$.crawler",
    });
    // Glue's API limits are per account: a throttled or timed-out call is tried again, not a failed run.
    const glueApiRetry = {
      errors: ["Glue.ThrottlingException", "Glue.OperationTimeoutException", "Glue.InternalServiceException"],
      interval: Duration.seconds(20),
      maxAttempts: 5,
      backoffRate: 2,
    };
    startCrawler.addRetry(glueApiRetry);
    getCrawler.addRetry(glueApiRetry);

    const glueRetry = {
      errors: ["Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException", "Glue.InternalServiceException"],
      interval: Duration.minutes(2),
      maxAttempts: 3,
      backoffRate: 2,
    };
    const runEtl = new tasks.GlueStartJobRun(this, "RunEtl", {
      stateName: "ETL raw to curated",
      glueJobName: etl.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: sfn.JsonPath.DISCARD,
    });
    runEtl.addRetry(glueRetry);
    const runPrep = new tasks.GlueStartJobRun(this, "RunPrep", {
      stateName: "Prepare training data",
      glueJobName: prep.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: sfn.JsonPath.DISCARD,
      arguments: sfn.TaskInput.fromObject(runPathArguments(prep.runFolders)),
    });
    runPrep.addRetry(glueRetry);
    const checkNewData = new tasks.LambdaInvoke(this, "CheckNewData", {
      stateName: "Check for new curated readings",
      lambdaFunction: newDataCheck.lambda.function,
      payload: sfn.TaskInput.fromObject({ since: sfn.JsonPath.stringAt("$.run.startedAt") }),
      resultSelector: { "train.$": "$.Payload.train", "newObjects.$": "$.Payload.newObjects" },
      resultPath: "$.newData",
    });
    const skip = new sfn.Pass(this, "SkipTraining", { stateName: "Skip training: nothing new curated" });
    const publishResults = new tasks.GlueStartJobRun(this, "PublishResults", {
      stateName: "Publish forecasts and scores as tables",
      glueJobName: results.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: sfn.JsonPath.DISCARD,
      arguments: sfn.TaskInput.fromObject({ "--run_id": sfn.JsonPath.stringAt("$.run.id"), ...runPathArguments(results.runFolders) }),
    });
    publishResults.addRetry(glueRetry);
    const calibrate = new tasks.LambdaInvoke(this, "Calibrate", {
      stateName: "Calibrate and gate device thresholds",
      lambdaFunction: calibration.function,
      payload: sfn.TaskInput.fromObject({
        scoresUri: sfn.JsonPath.stringAt("$.paths.rcfScores"),
        fitUri: sfn.JsonPath.stringAt("$.paths.fit"),
        holdoutUri: sfn.JsonPath.stringAt("$.paths.holdout"),
        acceptedUri: `s3://${props.curatedBucketName}/${ACCEPTED_THRESHOLDS_KEY}`,
      }),
      resultSelector: { "things.$": "$.Payload.things", "published.$": "$.Payload.published", "refused.$": "$.Payload.refused" },
      resultPath: "$.calibration",
    });

    // READY alone says the crawler is idle, not that its crawl worked: a failed or cancelled crawl
    // leaves the raw tables Athena reads stale, so the run fails on it (and notifies) with Glue's message.
    const crawlFailed = new sfn.Fail(this, "CrawlFailed", {
      stateName: "Crawl did not succeed",
      error: "CrawlFailed",
      causePath: sfn.JsonPath.format(
        "Crawler {} is READY but its last crawl ended {}: see its log in CloudWatch (/aws-glue/crawlers)",
        sfn.JsonPath.stringAt("$.crawler.detail.Name"),
        sfn.JsonPath.stringAt("$.crawler.detail.LastCrawl.Status"),
      ),
    });
    const crawlNeverRan = new sfn.Fail(this, "CrawlNeverRan", {
      stateName: "Crawler has no finished crawl",
      error: "CrawlFailed",
      cause: "The crawler is READY but reports no last crawl: it was started and has not crawled",
    });
    // Rules are tried in order, so no comparison reads LastCrawl before it is known to be there.
    const lastCrawl = "$.crawler.detail.LastCrawl.Status";
    const crawlDone = new sfn.Choice(this, "CrawlDone", { stateName: "Crawl finished?" })
      .when(sfn.Condition.not(sfn.Condition.stringEquals("$.crawler.state", "READY")), waitCrawler)
      .when(sfn.Condition.isNotPresent(lastCrawl), crawlNeverRan)
      .when(sfn.Condition.stringEquals(lastCrawl, "SUCCEEDED"), runEtl)
      .otherwise(crawlFailed);
    const work = sfn.Chain.start(startCrawler).next(waitCrawler).next(getCrawler).next(crawlDone);
    const newData = new sfn.Choice(this, "NewData", { stateName: "New readings curated?" })
      .when(sfn.Condition.booleanEquals("$.newData.train", true), runPrep)
      .otherwise(skip);
    runEtl.next(checkNewData).next(newData);
    runPrep.next(training.trainAndScore).next(publishResults).next(calibrate);

    // One Catch for every state: the whole pipeline runs inside a single-branch Parallel.
    const pipeline = new sfn.Parallel(this, "Pipeline", { stateName: "Pipeline", resultPath: "$.result" });
    pipeline.branch(work);
    const notify = new tasks.SnsPublish(this, "NotifyFailure", {
      stateName: "Notify failure",
      topic: this.topic,
      subject: "aqm pipeline failed",
      message: sfn.TaskInput.fromObject({
        execution: sfn.JsonPath.stringAt("$$.Execution.Id"),
        run: sfn.JsonPath.stringAt("$.run.id"),
        error: sfn.JsonPath.stringAt("$.failure.Error"),
        cause: sfn.JsonPath.stringAt("$.failure.Cause"),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    pipeline.addCatch(
      notify.next(
        new sfn.Fail(this, "Failed", {
          stateName: "Pipeline failed",
          error: "PipelineFailed",
          cause: "See the notification and the failed state in this execution",
        }),
      ),
      { resultPath: "$.failure" },
    );

    this.logGroup = new logs.LogGroup(this, "Logs", { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy });
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineName: "aqm-analytics-pipeline",
      definitionBody: sfn.DefinitionBody.fromChainable(
        sfn.Chain.start(runId)
          .next(paths)
          .next(pipeline)
          .next(new sfn.Succeed(this, "Done", { stateName: "Done" })),
      ),
      timeout: Duration.hours(12),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.topicKey.grant(this.stateMachine, "kms:Decrypt", "kms:GenerateDataKey");
    const functionVersions = (fn: lambda.IFunction) => `<${stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*`;
    acknowledgeWildcards(this.stateMachine.role, {
      "*": "X-Ray tracing, CloudWatch Logs delivery (logs:*LogDelivery) and sagemaker:ListTags have no resource-level permissions; these are the statements the CDK adds for them.",
      [functionVersions(calibration.function)]:
        "lambda:InvokeFunction on the calibration function and its versions/aliases (the CDK grants both forms); no other function.",
      [functionVersions(newDataCheck.lambda.function)]:
        "lambda:InvokeFunction on the new-data check and its versions/aliases (the CDK grants both forms); no other function.",
      [nagArn("sagemaker", "training-job/*")]:
        "Training jobs are named aqm-rcf-<run id> / aqm-deepar-<run id> with a run id made at run time; the CDK task grants create/describe/stop on training jobs.",
      [nagArn("sagemaker", "model/*")]: "Models are named per run (aqm-rcf-<run id>, aqm-deepar-<run id>) at run time.",
      [nagArn("sagemaker", "transform-job/*")]: "Transform jobs are named per run at run time; the CDK task grants create/describe/stop/tag on them.",
    });

    this.schedule = new events.Rule(this, "Schedule", {
      description: "Runs the aqm analytics pipeline daily",
      schedule: props.schedule ?? events.Schedule.cron({ minute: "0", hour: "2" }),
      targets: [new targets.SfnStateMachine(this.stateMachine)],
    });
  }
}
