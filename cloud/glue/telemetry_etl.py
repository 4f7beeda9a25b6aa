"""Glue 5 Spark job: raw telemetry JSON lines -> curated Parquet, quarantine, curated table.

The transformation itself is not here: it is the shared SQL file (the job argument
--transform_sql_uri, an asset of cloud/transform/), the same text the local pipeline runs with
DuckDB. This script only moves data in and out of it:

  in   temporary view `raw_lines`: one row per raw line (`source_file`, `line_number` from 1,
       `line`), from the arrival-day folders of the last --lookback_days days
  SQL  the file's statements, in order
  out  views `curated` (one row per reading, deduplicated by (thing, boot, seq)) and
       `quarantine` (the refused lines with their `reason`)

Deduplication across runs: the look-back windows of consecutive runs overlap, and a board's
store-and-forward can resend a reading days later, so rows whose (thing, boot, seq) are already in
the curated date partitions they belong to are dropped before appending.
"""
import re
import sys
from datetime import datetime, timedelta, timezone

KEY = ["thing", "boot", "seq"]
PARTITIONS = ["date", "thing"]
ARRIVAL_DAY = r"year=(\d{4})/month=(\d{2})/day=(\d{2})/"


def arrival_prefixes(raw_prefix, today, days):
    """Firehose's raw/year=YYYY/month=MM/day=DD/ folders from `days` days ago up to today."""
    return [
        f"{raw_prefix}year={d:%Y}/month={d:%m}/day={d:%d}/"
        for d in (today - timedelta(days=n) for n in range(days, -1, -1))
    ]


def sql_statements(text):
    """The file's statements without comments; semicolons inside quoted strings are kept."""
    text = re.sub(r"--[^\n]*", "", text)
    statements, current, quote = [], [], None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == ";":
            statements.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    statements.append("".join(current).strip())
    return [s for s in statements if s]


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
    from pyspark.sql import functions as F

    args = getResolvedOptions(sys.argv, ["JOB_NAME", "raw_uri", "curated_uri", "quarantine_uri", "transform_sql_uri", "database", "table", "lookback_days"])
    glue = GlueContext(SparkContext.getOrCreate())
    spark = glue.spark_session
    job = Job(glue)
    job.init(args["JOB_NAME"], args)
    # Only the date partitions being written are replaced, never the whole quarantine prefix.
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    s3 = boto3.client("s3")

    sql_bucket, sql_key = split_s3(args["transform_sql_uri"])
    statements = sql_statements(s3.get_object(Bucket=sql_bucket, Key=sql_key)["Body"].read().decode("utf-8"))

    raw_bucket, raw_prefix = split_s3(args["raw_uri"])
    today = datetime.now(timezone.utc).date()
    present = [
        f"s3://{raw_bucket}/{p}"
        for p in arrival_prefixes(raw_prefix, today, int(args["lookback_days"]))
        if s3.list_objects_v2(Bucket=raw_bucket, Prefix=p, MaxKeys=1).get("KeyCount", 0) > 0
    ]
    if not present:
        print(f"no raw objects in the last {args['lookback_days']} days: nothing to do")
        job.commit()
        return
    # Whole objects, split here, so that each line keeps its number within its object (quarantine
    # and deduplication name it); the newline that ends the last line does not start another.
    raw = spark.read.option("recursiveFileLookup", "true").option("wholetext", "true").text(present)
    (raw.where(F.length("value") > 0)
        .select(F.input_file_name().alias("source_file"), F.posexplode(F.split(F.regexp_replace("value", "\\n\\z", ""), "\\n")).alias("pos", "line"))
        .select("source_file", (F.col("pos") + 1).cast("bigint").alias("line_number"), "line")
        .createOrReplaceTempView("raw_lines"))
    for statement in statements:
        spark.sql(statement)

    curated = spark.table("curated")
    dates = [r["date"] for r in curated.select("date").distinct().collect()]
    if dates:
        existing_path = args["curated_uri"]
        try:
            existing = spark.read.parquet(existing_path).where(F.col("date").isin(dates)).select(*KEY)
            curated = curated.join(existing, on=KEY, how="left_anti")
        except Exception as error:  # first run: the curated prefix has no Parquet yet
            if "PATH_NOT_FOUND" not in str(error) and "Path does not exist" not in str(error):
                raise
        curated.write.mode("append").partitionBy(*PARTITIONS).parquet(args["curated_uri"])

    (spark.table("quarantine")
        .withColumn("ingest_date", F.concat_ws("-", *(F.regexp_extract("source_file", ARRIVAL_DAY, i) for i in (1, 2, 3))))
        .write.mode("overwrite").partitionBy("ingest_date").json(args["quarantine_uri"]))

    table = f"{args['database']}.{args['table']}"
    # No column list and no PARTITIONED BY: Spark refuses partitioning without a schema, and infers
    # both (date and thing from the folder names) from the Parquet already written.
    spark.sql(f"CREATE TABLE IF NOT EXISTS {table} USING PARQUET LOCATION '{args['curated_uri']}'")
    spark.sql(f"MSCK REPAIR TABLE {table}")
    job.commit()


if __name__ == "__main__":
    main()
