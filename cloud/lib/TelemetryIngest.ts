import { Aws, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as firehose from "aws-cdk-lib/aws-kinesisfirehose";
import * as iam from "aws-cdk-lib/aws-iam";
import * as iot from "aws-cdk-lib/aws-iot";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { loadTelemetryRule, TELEMETRY_RULE_NAME } from "./iotFiles.ts";
import { ERROR_PREFIX, RAW_PREFIX } from "./lakePrefixes.ts";

export { ERROR_PREFIX, RAW_PREFIX };

/**
 * Firehose buffering: 60 s or 5 MiB, whichever comes first. 60 s (the minimum) keeps the raw data
 * close to real time; 5 MiB is far above one minute of the fleet's ~1 KB readings, so in practice
 * objects are flushed by time.
 */
export const FIREHOSE_BUFFER_SECONDS = 60;
export const FIREHOSE_BUFFER_MIB = 5;

export interface TelemetryIngestProps {
  /** Name of the IoT topic rule (letters, digits, underscore). @default TELEMETRY_RULE_NAME */
  readonly ruleName?: string;
  /** Days before raw objects move to S3 Infrequent Access. @default 30 */
  readonly infrequentAccessAfterDays?: number;
  /** Days before raw objects move to Glacier. @default 180 */
  readonly glacierAfterDays?: number;
  /** Days an overwritten or deleted raw object's old version is kept. @default 30 */
  readonly noncurrentVersionDays?: number;
  /** Removal policy of the raw bucket. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** IoT rule → Firehose → raw S3 bucket, with an S3 access-log bucket and a rule error log group. */
export class TelemetryIngest extends Construct {
  readonly rawBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly rule: iot.CfnTopicRule;
  readonly ruleRole: iam.Role;
  readonly ruleErrorLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TelemetryIngestProps = {}) {
    super(scope, id);
    // S3 server access logs delivered under a bucket policy rather than the legacy LogDeliveryWrite ACL (cfn-lint W3045).
    this.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogBucket = new s3.Bucket(this, "AccessLogs", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Log delivery is granted by the bucket policy CDK writes for it, not by a legacy ACL.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy,
    });

    this.rawBucket = new s3.Bucket(this, "RawBucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // A raw object is the only copy of what the boards sent: an overwrite or a delete keeps the old version.
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: "raw-bucket/",
      lifecycleRules: [
        {
          id: "old-versions",
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        {
          id: "tiering",
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.infrequentAccessAfterDays ?? 30) },
            { storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(props.glacierAfterDays ?? 180) },
          ],
        },
      ],
      removalPolicy,
    });

    const firehoseLogGroup = new logs.LogGroup(this, "FirehoseLogs", { retention: logs.RetentionDays.ONE_MONTH, removalPolicy });
    const firehoseLogStream = new logs.LogStream(this, "FirehoseLogStream", { logGroup: firehoseLogGroup, removalPolicy });

    const firehoseRole = new iam.Role(this, "FirehoseRole", {
      assumedBy: new iam.ServicePrincipal("firehose.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
      description: "Firehose writes telemetry to the raw bucket",
    });
    firehoseRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
        resources: [this.rawBucket.bucketArn, this.rawBucket.arnForObjects("raw/*"), this.rawBucket.arnForObjects("errors/*")],
      }),
    );
    firehoseRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:PutLogEvents"],
        resources: [firehoseLogGroup.logGroupArn],
      }),
    );

    this.deliveryStream = new firehose.CfnDeliveryStream(this, "DeliveryStream", {
      deliveryStreamType: "DirectPut",
      deliveryStreamEncryptionConfigurationInput: { keyType: "AWS_OWNED_CMK" },
      extendedS3DestinationConfiguration: {
        bucketArn: this.rawBucket.bucketArn,
        roleArn: firehoseRole.roleArn,
        prefix: RAW_PREFIX,
        errorOutputPrefix: ERROR_PREFIX,
        bufferingHints: { intervalInSeconds: FIREHOSE_BUFFER_SECONDS, sizeInMBs: FIREHOSE_BUFFER_MIB },
        // JSON lines compress about tenfold; the Glue job's Spark reads .gz objects as text.
        compressionFormat: "GZIP",
        cloudWatchLoggingOptions: { enabled: true, logGroupName: firehoseLogGroup.logGroupName, logStreamName: firehoseLogStream.logStreamName },
      },
    });
    this.deliveryStream.node.addDependency(firehoseRole);
    const bucketArnRef = `<${Stack.of(this).getLogicalId(this.rawBucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    for (const prefix of ["raw", "errors"]) {
      Validations.of(firehoseRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketArnRef}/${prefix}/*]`,
        reason: `Firehose writes objects with time-based keys that are only known at delivery time; the wildcard is confined to the ${prefix}/ prefix of this one bucket.`,
      });
    }

    this.ruleErrorLogGroup = new logs.LogGroup(this, "RuleErrors", { retention: logs.RetentionDays.ONE_MONTH, removalPolicy });

    this.ruleRole = new iam.Role(this, "RuleRole", {
      assumedBy: new iam.ServicePrincipal("iot.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
      description: "IoT rule puts telemetry records into the delivery stream and logs rule errors",
    });
    this.ruleRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["firehose:PutRecord", "firehose:PutRecordBatch"],
        resources: [this.deliveryStream.attrArn],
      }),
    );
    this.ruleRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.ruleErrorLogGroup.logGroupArn],
      }),
    );

    const ruleFile = loadTelemetryRule();
    this.rule = new iot.CfnTopicRule(this, "Rule", {
      ruleName: props.ruleName ?? TELEMETRY_RULE_NAME,
      topicRulePayload: {
        sql: ruleFile.sql,
        awsIotSqlVersion: ruleFile.awsIotSqlVersion,
        ruleDisabled: ruleFile.ruleDisabled,
        description: ruleFile.description,
        actions: [
          {
            firehose: { deliveryStreamName: this.deliveryStream.ref, roleArn: this.ruleRole.roleArn, batchMode: false, separator: "\n" },
          },
        ],
        errorAction: {
          cloudwatchLogs: { logGroupName: this.ruleErrorLogGroup.logGroupName, roleArn: this.ruleRole.roleArn },
        },
      },
    });
    this.rule.node.addDependency(this.ruleRole);
  }
}
