import { Aws, Stack } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as s3assets from "aws-cdk-lib/aws-s3-assets";
import { Construct } from "constructs";
import { fileURLToPath } from "node:url";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import { acknowledgeWildcards, bucketArnRef, nagArn } from "./nagAcks.ts";
import { fileAsset } from "./glueAssets.ts";
import { telemetryRanges } from "./transformFiles.ts";
import { GLUE_TABLE_WRITE_ACTIONS, glueCatalogArns, glueLogStatement, type TelemetryCatalog } from "./TelemetryCatalog.ts";

export const ETL_SCRIPT_FILE = fileURLToPath(new URL("../glue/telemetry_etl.py", import.meta.url));
/** The plain-PySpark transformation the script runs, shipped with --extra-py-files (the tests run it on local Spark). */
export const ETL_TRANSFORM_MODULE_FILE = fileURLToPath(new URL("../transform/telemetry_transform.py", import.meta.url));

export interface TelemetryEtlProps {
  /** Catalog whose database receives the curated table, and whose security configuration the job runs with. */
  readonly catalog: TelemetryCatalog;
  /** Bucket holding the raw JSON lines. */
  readonly rawBucket: s3.IBucket;
  /** Raw prefix in that bucket, with a trailing slash. @default 'raw/' */
  readonly rawPrefix?: string;
  /** Curated bucket: Parquet, quarantine and Glue temp prefixes (`CURATED_PREFIXES`). */
  readonly curatedBucket: s3.IBucket;
  /** The shared transformation (SQL text, also run locally with DuckDB), shipped next to the script as an asset. */
  readonly transformSqlFile: string;
  /** Glue version (Spark). @default '5.0' */
  readonly glueVersion?: "4.0" | "5.0";
  /** Number of G.1X workers. @default 2 */
  readonly workers?: number;
  /** Job timeout in minutes. @default 60 */
  readonly timeoutMinutes?: number;
}

/** The Glue Spark job that turns raw JSON lines into curated Parquet (date/thing partitions) and quarantines bad lines. */
export class TelemetryEtl extends Construct {
  readonly job: glue.CfnJob;
  readonly jobName: string;
  readonly role: iam.Role;
  /** The job's script, `cloud/glue/telemetry_etl.py`. */
  readonly script: s3assets.Asset;
  /** The shared transformation SQL, shipped unchanged and passed as `--transform_sql_uri`. */
  readonly transformSql: s3assets.Asset;
  /** `cloud/transform/telemetry_transform.py`, on the job's Python path through `--extra-py-files`. */
  readonly transformModule: s3assets.Asset;
  /** Name of the curated table the job keeps in the catalog's database. */
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: TelemetryEtlProps) {
    super(scope, id);
    const { catalog, rawBucket, curatedBucket } = props;
    const rawPrefix = props.rawPrefix ?? "raw/";
    const script = fileAsset(this, "Script", ETL_SCRIPT_FILE);
    const sql = fileAsset(this, "TransformSql", props.transformSqlFile);
    const module = fileAsset(this, "TransformModule", ETL_TRANSFORM_MODULE_FILE);
    this.script = script.asset;
    this.transformSql = sql.asset;
    this.transformModule = module.asset;
    this.tableName = "telemetry";
    this.jobName = `${catalog.databaseName}-telemetry-etl`;

    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("glue.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } } }),
      description: "Glue ETL: reads raw telemetry, writes curated Parquet and quarantine, keeps the curated table",
    });
    this.role.addToPolicy(script.readStatement);
    this.role.addToPolicy(sql.readStatement);
    this.role.addToPolicy(module.readStatement);
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [rawBucket.arnForObjects(`${rawPrefix}*`)] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [rawBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${rawPrefix}*`] } },
      }),
    );
    const written = [CURATED_PREFIXES.telemetry, CURATED_PREFIXES.quarantine, CURATED_PREFIXES.glueTemp];
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        resources: written.map((p) => curatedBucket.arnForObjects(`${p}*`)),
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [curatedBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": written.map((p) => `${p}*`) } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["glue:GetDatabase", "glue:GetTable", ...GLUE_TABLE_WRITE_ACTIONS],
        resources: glueCatalogArns(this, catalog.databaseName),
      }),
    );
    // Spark's Hive client looks up the `default` database when it starts, whichever database the job uses.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["glue:GetDatabase"],
        resources: [Stack.of(this).formatArn({ service: "glue", resource: "database", resourceName: "default" })],
      }),
    );
    this.role.addToPolicy(glueLogStatement(this, "jobs"));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources: [catalog.key.keyArn] }));

    const curated = bucketArnRef(curatedBucket);
    acknowledgeWildcards(this.role, {
      [`${bucketArnRef(rawBucket)}/${rawPrefix}*`]:
        "The job reads the raw objects its manifest does not name yet; their keys are time-based and created continuously. Read-only, confined to the raw prefix.",
      [`${curated}/${CURATED_PREFIXES.telemetry}*`]:
        "Spark writes Parquet files with generated names into date/thing partitions, reads existing keys for deduplication and appends to the curation manifest (_curation_manifest/); confined to the curated prefix.",
      [`${curated}/${CURATED_PREFIXES.quarantine}*`]:
        "Spark appends quarantine files with generated names into ingest-date partitions; confined to the quarantine prefix.",
      [`${curated}/${CURATED_PREFIXES.glueTemp}*`]: "Glue and Spark write temporary files with generated names; confined to the temp prefix, which expires.",
      [nagArn("glue", `table/${catalog.databaseName}/*`)]: "The job creates the curated table and adds partitions; confined to this database.",
      [nagArn("logs", "log-group:/aws-glue/jobs*")]:
        "Glue names the job log groups itself (/aws-glue/jobs/output, /error, /logs-v2, suffixed with the security configuration) and creates streams per run.",
    });

    this.job = new glue.CfnJob(this, "Job", {
      name: this.jobName,
      description: "Raw JSON lines -> curated Parquet (date, thing), quarantine with reason, dedup by (thing, boot, seq)",
      role: this.role.roleArn,
      glueVersion: props.glueVersion ?? "5.0",
      workerType: "G.1X",
      numberOfWorkers: props.workers ?? 2,
      timeout: props.timeoutMinutes ?? 60,
      // One run at a time: two runs appending the same date partitions would defeat the dedup.
      executionProperty: { maxConcurrentRuns: 1 },
      securityConfiguration: catalog.securityConfigurationName,
      command: { name: "glueetl", pythonVersion: "3", scriptLocation: script.asset.s3ObjectUrl },
      defaultArguments: {
        "--job-language": "python",
        "--enable-glue-datacatalog": "true",
        "--job-bookmark-option": "job-bookmark-disable",
        "--TempDir": curatedBucket.s3UrlForObject(CURATED_PREFIXES.glueTemp),
        "--raw_uri": rawBucket.s3UrlForObject(rawPrefix),
        "--curated_uri": curatedBucket.s3UrlForObject(CURATED_PREFIXES.telemetry),
        "--quarantine_uri": curatedBucket.s3UrlForObject(CURATED_PREFIXES.quarantine),
        "--transform_sql_uri": sql.asset.s3ObjectUrl,
        "--database": catalog.databaseName,
        "--table": this.tableName,
        "--telemetry_ranges": JSON.stringify(telemetryRanges()),
        "--extra-py-files": module.asset.s3ObjectUrl,
      },
    });
    this.job.node.addDependency(catalog.securityConfiguration);
  }

  /** ARN of the job, for the state machine's glue:StartJobRun. */
  get jobArn(): string {
    return Stack.of(this).formatArn({ service: "glue", resource: "job", resourceName: this.jobName });
  }
}
