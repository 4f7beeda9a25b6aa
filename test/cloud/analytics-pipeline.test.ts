import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { PREPARE_SCRIPT_FILE } from "../../cloud/lib/ModelDataPrep.ts";
import { RESULTS_SCRIPT_FILE } from "../../cloud/lib/ModelResults.ts";
import { RUN_PATHS, runPathArgument, type RunPath } from "../../cloud/lib/runPaths.ts";
import { accountArn, allStates, definition, logicalId, statementsOfRole, synthFixtureStack, type Json } from "./stackFixture.ts";

const { stack, template, resources } = synthFixtureStack();
const pipeline = stack.pipeline;
const smId = logicalId(stack, pipeline.stateMachine);
const def = definition(resources, smId);
const states = allStates(def);
const topicId = logicalId(stack, pipeline.topic);

/** Follows Next from a state inside one branch/list of states; at a Choice, the first rule that goes forward (to a state not yet seen, not a Fail). */
function path(statesOf: Record<string, Json>, start: string): string[] {
  const seen: string[] = [];
  let name: string | undefined = start;
  while (name && !seen.includes(name)) {
    seen.push(name);
    const s: Json = statesOf[name]!;
    name = s.Type === "Choice" ? s.Choices.map((c: Json) => c.Next as string).find((n: string) => !seen.includes(n) && statesOf[n]!.Type !== "Fail") : s.Next;
  }
  return seen;
}

test("order: name the run -> paths -> [crawl -> wait until READY after a crawl that succeeded -> ETL -> new data? -> prepare -> train both -> publish results -> calibrate and gate] -> done", () => {
  assert.deepEqual(path(def.States, def.StartAt), ["Name the run", "Run paths", "Pipeline", "Done"]);
  const branch = def.States.Pipeline.Branches[0];
  assert.deepEqual(path(branch.States, branch.StartAt), [
    "Start raw crawler",
    "Wait for crawler",
    "Crawler state",
    "Crawl finished?",
    "ETL raw to curated",
    "Check for new curated readings",
    "New readings curated?",
    "Prepare training data",
    "Train and score (RCF, DeepAR)",
    "Publish forecasts and scores as tables",
    "Calibrate and gate device thresholds",
  ]);
  const choice = states["Crawl finished?"]!;
  assert.deepEqual(choice.Choices, [
    { Not: { Variable: "$.crawler.state", StringEquals: "READY" }, Next: "Wait for crawler" },
    { Variable: "$.crawler.detail.LastCrawl.Status", IsPresent: false, Next: "Crawler has no finished crawl" },
    { Variable: "$.crawler.detail.LastCrawl.Status", StringEquals: "SUCCEEDED", Next: "ETL raw to curated" },
  ]);
  assert.equal(choice.Default, "Crawl did not succeed", "READY after a FAILED or CANCELLED crawl fails the run");
  assert.deepEqual(states["Start raw crawler"]!.Catch, [{ ErrorEquals: ["Glue.CrawlerRunningException"], ResultPath: null, Next: "Wait for crawler" }]);
  const train = states["Train and score (RCF, DeepAR)"]!;
  assert.deepEqual(
    train.Branches.map((b: Json) => b.StartAt),
    ["Train Random Cut Forest", "Train DeepAR"],
  );
  assert.equal(states["Name the run"]!.Parameters.run["id.$"], "States.UUID()");
});

test("skip: nothing curated by this run's ETL ends the branch in a Pass, before any training; the check is asked since the execution started", () => {
  const choice = states["New readings curated?"]!;
  assert.deepEqual(choice.Choices, [{ Variable: "$.newData.train", BooleanEquals: true, Next: "Prepare training data" }]);
  assert.equal(choice.Default, "Skip training: nothing new curated");
  const skip = states["Skip training: nothing new curated"]!;
  assert.equal(skip.Type, "Pass");
  assert.equal(skip.End, true);
  const check = states["Check for new curated readings"]!;
  assert.deepEqual(check.Parameters.Payload, { "since.$": "$.run.startedAt" });
  assert.deepEqual(check.ResultSelector, { "train.$": "$.Payload.train", "newObjects.$": "$.Payload.newObjects" });
  assert.match(JSON.stringify(check.Parameters.FunctionName), new RegExp(logicalId(stack, stack.newDataCheck.lambda.function)));
  assert.equal(states["Name the run"]!.Parameters.run["startedAt.$"], "$$.Execution.StartTime");
});

test("tasks: Glue jobs run to completion with retries; prepare and publish get the run's folders; calibrate gets the scores, held-out and accepted locations", () => {
  for (const name of ["ETL raw to curated", "Prepare training data", "Publish forecasts and scores as tables"]) {
    const s = states[name]!;
    assert.match(s.Resource, /:states:::glue:startJobRun\.sync$/);
    assert.deepEqual(s.Retry[0].ErrorEquals, ["Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException", "Glue.InternalServiceException"]);
    assert.equal(s.Retry[0].MaxAttempts, 3);
  }
  assert.equal(states["ETL raw to curated"]!.Parameters.JobName, "aqm-telemetry-etl");
  const folder = (template: string) => `States.Format('${template}', $.run.id)`;
  assert.deepEqual(states["Prepare training data"]!.Parameters, {
    JobName: "aqm-prepare-training-data",
    Arguments: {
      "--rcf_train.$": folder("ml/input/{}/rcf/train/"),
      "--rcf_score_input.$": folder("ml/input/{}/rcf/score/"),
      "--rcf_keys.$": folder("ml/input/{}/rcf/keys/"),
      "--deepar_train.$": folder("ml/input/{}/deepar/train/"),
      "--deepar_infer.$": folder("ml/input/{}/deepar/infer/"),
    },
  });
  assert.deepEqual(states["Publish forecasts and scores as tables"]!.Parameters, {
    JobName: "aqm-publish-model-results",
    Arguments: {
      "--run_id.$": "$.run.id",
      "--deepar_infer.$": folder("ml/input/{}/deepar/infer/"),
      "--deepar_forecasts.$": folder("ml/output/{}/deepar-forecasts/"),
      "--rcf_keys.$": folder("ml/input/{}/rcf/keys/"),
      "--rcf_scores.$": folder("ml/output/{}/rcf-scores/"),
      "--holdout.$": folder("ml/output/{}/holdout/"),
      "--fit.$": folder("ml/output/{}/fit/"),
    },
  });
  const calibrate = states["Calibrate and gate device thresholds"]!;
  assert.deepEqual(calibrate.Parameters.Payload, {
    "scoresUri.$": "$.paths.rcfScores",
    "fitUri.$": "$.paths.fit",
    "holdoutUri.$": "$.paths.holdout",
    acceptedUri: `s3://<{'Ref':'${logicalId(stack, stack.curated.bucket)}'}>/ml/accepted/thresholds.json`,
  });
  assert.deepEqual(calibrate.ResultSelector, { "things.$": "$.Payload.things", "published.$": "$.Payload.published", "refused.$": "$.Payload.refused" });
  assert.ok(calibrate.Retry.some((r: Json) => r.ErrorEquals.includes("Lambda.ServiceException")));
  assert.equal(
    states["Run paths"]!.Parameters.paths["rcfScores.$"],
    `States.Format('s3://<{'Ref':'${logicalId(stack, stack.curated.bucket)}'}>/ml/output/{}/rcf-scores/', $.run.id)`,
  );
  assert.equal(
    states["Run paths"]!.Parameters.paths["holdout.$"],
    `States.Format('s3://<{'Ref':'${logicalId(stack, stack.curated.bucket)}'}>/ml/output/{}/holdout/', $.run.id)`,
  );
  assert.equal(
    states["Run paths"]!.Parameters.paths["fit.$"],
    `States.Format('s3://<{'Ref':'${logicalId(stack, stack.curated.bucket)}'}>/ml/output/{}/fit/', $.run.id)`,
  );
});

test("failure: one Catch (States.ALL) -> SNS publish with the error -> Fail state", () => {
  assert.deepEqual(def.States.Pipeline.Catch, [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "Notify failure" }]);
  const notify = states["Notify failure"]!;
  assert.match(notify.Resource, /:states:::sns:publish$/);
  assert.equal(notify.Parameters.TopicArn, `<{'Ref':'${topicId}'}>`);
  assert.equal(notify.Parameters.Message["error.$"], "$.failure.Error");
  assert.equal(notify.Parameters.Message["cause.$"], "$.failure.Cause");
  assert.equal(notify.Next, "Pipeline failed");
  assert.equal(states["Pipeline failed"]!.Type, "Fail");
});

test("state machine: 12 h timeout, X-Ray, all events logged with data", () => {
  const p = resources[smId]!.Properties;
  assert.equal(def.TimeoutSeconds, 12 * 3600);
  assert.deepEqual(p.TracingConfiguration, { Enabled: true });
  assert.equal(p.LoggingConfiguration.Level, "ALL");
  assert.equal(p.LoggingConfiguration.IncludeExecutionData, true);
});

test("schedule: daily at 02:00 UTC, starting this state machine only", () => {
  const rule = resources[logicalId(stack, pipeline.schedule)]!.Properties;
  assert.equal(rule.ScheduleExpression, "cron(0 2 * * ? *)");
  assert.deepEqual(rule.Targets[0].Arn, { Ref: smId });
  const stmts = statementsOfRole(resources, rule.Targets[0].RoleArn["Fn::GetAtt"][0]);
  assert.deepEqual(stmts, [{ Action: "states:StartExecution", Effect: "Allow", Resource: { Ref: smId } }]);
});

test("topic: KMS-encrypted with a rotating key, TLS-only; CloudWatch may use the key, from this account only", () => {
  const keyId = logicalId(stack, pipeline.topicKey);
  assert.deepEqual(resources[topicId]!.Properties.KmsMasterKeyId, { "Fn::GetAtt": [keyId, "Arn"] });
  assert.equal(resources[keyId]!.Properties.EnableKeyRotation, true);
  const cw = (resources[keyId]!.Properties.KeyPolicy.Statement as Json[]).find((s) => s.Principal?.Service === "cloudwatch.amazonaws.com")!;
  assert.deepEqual(cw.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
  assert.deepEqual(cw.Condition, { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } });
  template.hasResourceProperties("AWS::SNS::TopicPolicy", {
    Topics: [{ Ref: topicId }],
    PolicyDocument: { Statement: [{ Effect: "Deny", Action: "sns:Publish", Condition: { Bool: { "aws:SecureTransport": "false" } } }] },
  });
});

test("state machine role: each action on the named resource; wildcards only where names are made at run time", () => {
  const stmts = statementsOfRole(resources, logicalId(stack, pipeline.stateMachine.role));
  const byAction = (action: string) => stmts.filter((s) => [s.Action].flat().includes(action)).map((s) => s.Resource);
  const crawler = accountArn("glue", "crawler/aqm-raw-telemetry");
  assert.deepEqual(byAction("glue:startCrawler"), [crawler]);
  assert.deepEqual(byAction("glue:getCrawler"), [crawler]);
  assert.deepEqual(byAction("glue:StartJobRun"), [
    accountArn("glue", "job/aqm-telemetry-etl"),
    accountArn("glue", "job/aqm-prepare-training-data"),
    accountArn("glue", "job/aqm-publish-model-results"),
  ]);
  assert.deepEqual(byAction("sns:Publish"), [{ Ref: topicId }]);
  const invokable = (fn: string) => [{ "Fn::GetAtt": [fn, "Arn"] }, { "Fn::Join": ["", [{ "Fn::GetAtt": [fn, "Arn"] }, ":*"]] }];
  assert.deepEqual(byAction("lambda:InvokeFunction"), [
    invokable(logicalId(stack, stack.newDataCheck.lambda.function)),
    invokable(logicalId(stack, stack.calibration.function)),
  ]);
  const passRole = stmts.filter((s) => s.Action === "iam:PassRole");
  assert.ok(passRole.length > 0);
  for (const s of passRole) {
    assert.deepEqual(s.Resource, { "Fn::GetAtt": [logicalId(stack, stack.training.executionRole), "Arn"] });
    assert.deepEqual(s.Condition, { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
  }
  assert.deepEqual(byAction("sagemaker:CreateTrainingJob"), [accountArn("sagemaker", "training-job/*")]);
  assert.deepEqual(byAction("sagemaker:CreateModel"), [accountArn("sagemaker", "model/*")]);
  assert.deepEqual(byAction("sagemaker:CreateTransformJob"), [accountArn("sagemaker", "transform-job/*")]);
  assert.deepEqual(byAction("kms:GenerateDataKey"), [{ "Fn::GetAtt": [logicalId(stack, pipeline.topicKey), "Arn"] }]);
  // The only "*" resources: services without resource-level permissions (X-Ray, log delivery, sagemaker:ListTags).
  const starActions = stmts
    .filter((s) => s.Resource === "*")
    .flatMap((s) => [s.Action].flat())
    .sort();
  assert.deepEqual(
    starActions,
    [
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
      "sagemaker:ListTags",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ].sort(),
  );
});

test("the crawler: its whole state is kept (LastCrawl may be absent), a failed or never-run crawl fails the run with the status in the cause, and Glue's throttling is retried", () => {
  assert.deepEqual(states["Crawler state"]!.ResultSelector, { "state.$": "$.Crawler.State", "detail.$": "$.Crawler" });
  const failed = states["Crawl did not succeed"]!;
  assert.equal(failed.Type, "Fail");
  assert.equal(failed.Error, "CrawlFailed");
  assert.match(
    failed.CausePath,
    /^States\.Format\('Crawler \{\} is READY but its last crawl ended \{\}: .*', \$\.crawler\.detail\.Name, \$\.crawler\.detail\.LastCrawl\.Status\)$/,
  );
  assert.equal(states["Crawler has no finished crawl"]!.Type, "Fail");
  for (const name of ["Start raw crawler", "Crawler state"])
    assert.deepEqual(
      states[name]!.Retry,
      [
        {
          ErrorEquals: ["Glue.ThrottlingException", "Glue.OperationTimeoutException", "Glue.InternalServiceException"],
          IntervalSeconds: 20,
          MaxAttempts: 5,
          BackoffRate: 2,
        },
      ],
      name,
    );
  // A Fail inside the pipeline's branch ends the branch failed, so the one Catch notifies it.
  assert.deepEqual(
    def.States.Pipeline.Catch.map((c: Json) => c.ErrorEquals),
    [["States.ALL"]],
  );
});

test("the run folders: each Glue job's script asks for exactly the folders its construct is passed, and what the results step reads of the input the preparation writes", () => {
  const folderArguments = new Set((Object.keys(RUN_PATHS) as RunPath[]).map(runPathArgument));
  const scriptFolders = (file: string) =>
    (
      JSON.parse(
        execFileSync("python3", ["-c", `import json, runpy; print(json.dumps(runpy.run_path(${JSON.stringify(file)})["ARGUMENTS"]))`], {
          encoding: "utf8",
          env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
        }),
      ) as string[]
    )
      .map((name) => `--${name}`)
      .filter((argument) => folderArguments.has(argument));
  assert.deepEqual(scriptFolders(PREPARE_SCRIPT_FILE), stack.prep.runFolders.map(runPathArgument));
  assert.deepEqual(scriptFolders(RESULTS_SCRIPT_FILE), stack.results.runFolders.map(runPathArgument));
  const readFromInput = stack.results.runFolders.filter((f) => RUN_PATHS[f].startsWith("ml/input/"));
  assert.deepEqual(readFromInput, ["deeparInfer", "rcfKeys"]);
  assert.ok(readFromInput.every((f) => stack.prep.runFolders.includes(f)));
});
