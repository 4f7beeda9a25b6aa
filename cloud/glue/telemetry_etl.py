"""Glue 5 Spark job: the thin entry point over cloud/transform/telemetry_transform.py (shipped with
--extra-py-files), which the tests run on local Spark.

  --raw_uri            the raw prefix; every object below it the manifest does not name is curated
  --curated_uri        curated Parquet (date, thing partitions); its _curation_manifest/ folder is
                       the record of the raw objects curated, which Spark and Athena skip
  --quarantine_uri     refused readings with their reason, by ingest date
  --transform_sql_uri  the shared SQL (cloud/transform/telemetry.sql), the text DuckDB runs locally
  --telemetry_ranges   the channels' ranges, JSON [{channel, min, max}] from firmware/telemetry/Channels.ts
  --database, --table  the curated table in the Data Catalog, created with its columns on the first run
"""
import json
import re
import sys


def split_s3(uri):
    match = re.match(r"^s3://([^/]+)/(.*)$", uri)
    if not match:
        raise ValueError(f"not an s3:// URI: {uri}")
    return match.group(1), match.group(2)


def main():
    import boto3
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    import telemetry_transform as tt

    names = ["JOB_NAME", "raw_uri", "curated_uri", "quarantine_uri", "transform_sql_uri", "telemetry_ranges", "database", "table"]
    args = getResolvedOptions(sys.argv, names)
    glue = GlueContext(SparkContext.getOrCreate())
    spark = glue.spark_session
    job = Job(glue)
    job.init(args["JOB_NAME"], args)
    bucket, key = split_s3(args["transform_sql_uri"])
    sql = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    curated_uri = args["curated_uri"]
    report = tt.curate(
        spark, args["raw_uri"], curated_uri, args["quarantine_uri"], curated_uri.rstrip("/") + "/_curation_manifest/", sql, json.loads(args["telemetry_ranges"])
    )
    print(json.dumps(report))
    tt.ensure_curated_table(spark, f"{args['database']}.{args['table']}", curated_uri, sql)
    job.commit()


if __name__ == "__main__":
    main()
