import * as athena from "aws-cdk-lib/aws-athena";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { CURATED_PREFIXES } from "./CuratedLake.ts";
import type { NamedQueryDefinition } from "./namedQueries.ts";

export interface AthenaWorkgroupProps {
  /** Bucket whose `athena-results/` prefix receives query results. */
  readonly resultBucket: s3.IBucket;
  /** Glue database the named queries run against. */
  readonly databaseName: string;
  /** The operators' queries (from `cloud/athena/named-queries.json`, shared with `aqm query`). */
  readonly namedQueries: readonly NamedQueryDefinition[];
  /** Workgroup name. @default 'aqm' */
  readonly workGroupName?: string;
  /** Bytes a single query may scan before Athena cancels it. @default 10 GiB */
  readonly bytesScannedCutoffPerQuery?: number;
}

/** An Athena workgroup with an enforced, encrypted result location, and the operators' named queries. */
export class AthenaWorkgroup extends Construct {
  readonly workGroup: athena.CfnWorkGroup;
  readonly workGroupName: string;
  readonly namedQueries: athena.CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: AthenaWorkgroupProps) {
    super(scope, id);
    this.workGroupName = props.workGroupName ?? "aqm";
    this.workGroup = new athena.CfnWorkGroup(this, "WorkGroup", {
      name: this.workGroupName,
      description: "aqm operators: telemetry queries",
      state: "ENABLED",
      workGroupConfiguration: {
        // Enforced, so a client cannot send results elsewhere or unencrypted.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: props.resultBucket.s3UrlForObject(CURATED_PREFIXES.athenaResults),
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      },
    });
    this.namedQueries = props.namedQueries.map((q, i) => {
      const query = new athena.CfnNamedQuery(this, `Query${i}`, {
        name: q.name,
        description: q.description,
        queryString: q.sql,
        database: props.databaseName,
        workGroup: this.workGroupName,
      });
      query.node.addDependency(this.workGroup);
      return query;
    });
  }
}
