import { ArnFormat, Aws, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeWildcards, bucketArnRef, nagArn } from "./nagAcks.ts";

export interface TelemetryCatalogProps {
  /** Bucket the crawler reads. */
  readonly rawBucket: s3.IBucket;
  /** Prefix of the raw telemetry in that bucket, with a trailing slash. @default 'raw/' */
  readonly rawPrefix?: string;
  /** Glue database name (lower case, underscores). @default 'aqm' */
  readonly databaseName?: string;
  /** Removal policy of the KMS key that encrypts Glue logs and job bookmarks. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Glue Data Catalog side: a database, a crawler over the raw prefix, and the Glue security
 * configuration (KMS-encrypted logs and job bookmarks) that every Glue job of the stack runs with.
 */
export class TelemetryCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  readonly crawler: glue.CfnCrawler;
  readonly crawlerName: string;
  readonly crawlerRole: iam.Role;
  readonly key: kms.Key;
  readonly securityConfiguration: glue.CfnSecurityConfiguration;
  readonly securityConfigurationName: string;

  constructor(scope: Construct, id: string, props: TelemetryCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const rawPrefix = props.rawPrefix ?? "raw/";
    this.databaseName = props.databaseName ?? "aqm";

    this.database = new glue.CfnDatabase(this, "Database", {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: "aqm telemetry: raw (crawled) and curated (ETL) tables" },
    });

    this.key = new kms.Key(this, "GlueKey", {
      description: "aqm: encrypts Glue CloudWatch logs and job bookmarks",
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Glue writes its logs through CloudWatch Logs, which encrypts them with this key on Glue's behalf.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        resources: ["*"],
        conditions: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": stack.formatArn({
              service: "logs",
              resource: "log-group",
              resourceName: "/aws-glue/*",
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    this.securityConfigurationName = `${this.databaseName}-glue-security`;
    this.securityConfiguration = new glue.CfnSecurityConfiguration(this, "SecurityConfiguration", {
      name: this.securityConfigurationName,
      encryptionConfiguration: {
        cloudWatchEncryption: { cloudWatchEncryptionMode: "SSE-KMS", kmsKeyArn: this.key.keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: this.key.keyArn },
        s3Encryptions: [{ s3EncryptionMode: "SSE-S3" }],
      },
    });

    this.crawlerRole = new iam.Role(this, "CrawlerRole", {
      assumedBy: new iam.ServicePrincipal("glue.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
      description: "Glue crawler reads the raw telemetry prefix and maintains the raw tables",
    });
    this.crawlerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [props.rawBucket.arnForObjects(`${rawPrefix}*`)],
      }),
    );
    this.crawlerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [props.rawBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${rawPrefix}*`, rawPrefix] } },
      }),
    );
    this.crawlerRole.addToPolicy(
      new iam.PolicyStatement({
        // A crawler also lists the database's tables to match what it finds against them, and updates partitions whose schema changed.
        actions: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", ...GLUE_TABLE_WRITE_ACTIONS, "glue:UpdatePartition", "glue:BatchUpdatePartition"],
        resources: glueCatalogArns(this, this.databaseName),
      }),
    );
    this.crawlerRole.addToPolicy(glueLogStatement(this, "crawlers"));
    this.crawlerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        resources: [this.key.keyArn],
      }),
    );

    this.crawlerName = `${this.databaseName}-raw-telemetry`;
    this.crawler = new glue.CfnCrawler(this, "RawCrawler", {
      name: this.crawlerName,
      role: this.crawlerRole.roleArn,
      databaseName: this.databaseName,
      description: "Catalogues the raw JSON telemetry (partitions year/month/day/hour from the Firehose prefix)",
      tablePrefix: "raw_",
      targets: { s3Targets: [{ path: props.rawBucket.s3UrlForObject(rawPrefix) }] },
      // Raw objects are immutable once Firehose writes them: a crawl only needs the new hour folders.
      recrawlPolicy: { recrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY" },
      schemaChangePolicy: { updateBehavior: "LOG", deleteBehavior: "LOG" },
      crawlerSecurityConfiguration: this.securityConfigurationName,
      configuration: JSON.stringify({ Version: 1.0, Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" } }),
    });
    acknowledgeWildcards(this.crawlerRole, {
      [`${bucketArnRef(props.rawBucket)}/${rawPrefix}*`]:
        "The crawler reads every object under the raw prefix, whose keys are time-based and created continuously; it is confined to that prefix of one bucket.",
      [nagArn("glue", `table/${this.databaseName}/*`)]:
        "The crawler creates and updates the tables it discovers (one per raw schema), whose names are not known at deploy time; it is confined to this database.",
      [nagArn("logs", "log-group:/aws-glue/crawlers*")]:
        "Glue names the crawler log group itself (/aws-glue/crawlers, suffixed with the security configuration when logs are encrypted) and creates its streams per run.",
    });
    this.crawler.node.addDependency(this.database);
    this.crawler.node.addDependency(this.securityConfiguration);
  }
}

/** What a writer of a catalog table needs besides reading its database and table: to create or update the table, and to look up and add its partitions. */
export const GLUE_TABLE_WRITE_ACTIONS = [
  "glue:CreateTable",
  "glue:UpdateTable",
  "glue:GetPartition",
  "glue:GetPartitions",
  "glue:BatchGetPartition",
  "glue:CreatePartition",
  "glue:BatchCreatePartition",
] as const;

/** Catalog, database and the database's tables: the Glue ARNs a job needs to read or write one database. */
export function glueCatalogArns(scope: Construct, databaseName: string): string[] {
  const stack = Stack.of(scope);
  return [
    stack.formatArn({ service: "glue", resource: "catalog" }),
    stack.formatArn({ service: "glue", resource: "database", resourceName: databaseName }),
    stack.formatArn({ service: "glue", resource: "table", resourceName: `${databaseName}/*` }),
  ];
}

/** Glue writes to log groups under `/aws-glue/<kind>` (suffixed with the security configuration's name). */
export function glueLogStatement(scope: Construct, kind: "crawlers" | "jobs"): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
    resources: [
      Stack.of(scope).formatArn({ service: "logs", resource: "log-group", resourceName: `/aws-glue/${kind}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    ],
  });
}
