"""The shared transformation (telemetry.sql) on Spark: raw Firehose objects -> curated Parquet,
quarantine and a manifest of the objects curated. Plain PySpark, no Glue import: the Glue job
(cloud/glue/telemetry_etl.py) is a thin entry point over `curate`, and the tests run it on local
Spark against the same SQL the local lake runs with DuckDB.

Like the local curator (host-tools/local-cloud/lake/LakeCurator.ts), a run curates every raw object
the manifest does not name yet, however old: a job that failed for days catches up on its next run,
and a run with nothing new does nothing. The manifest is JSON lines under `manifest_path`, one per
object, written after the object's rows: a run that dies before it curates the objects again, and
the anti-join on (thing, boot, seq) against the curated partitions keeps them from being doubled.
"""
import re

KEY = ["thing", "boot", "seq"]
PARTITIONS = ["date", "thing"]
ARRIVAL_DAY = r"year=(\d{4})/month=(\d{2})/day=(\d{2})/"
RANGES_SCHEMA = "channel STRING, min DOUBLE, max DOUBLE"
REPLACEMENT_CHARACTER = "\ufffd"


class CurationMismatch(Exception):
    """A run's counts do not add up: nothing of it is recorded in the manifest, so a rerun retries."""


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


def _file_system(spark, root):
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(root)
    return path, path.getFileSystem(spark._jsc.hadoopConfiguration())


def list_files(spark, root):
    """Every file below `root` (s3:// on Glue, a local folder in the tests), as Spark names it; none if root is absent."""
    path, fs = _file_system(spark, root)
    if not fs.exists(path):
        return []
    files, listing = [], fs.listFiles(path, True)
    while listing.hasNext():
        status = listing.next()
        name = status.getPath().getName()
        if not name.startswith((".", "_")):
            files.append(status.getPath().toString())
    return sorted(files)


def exists(spark, root):
    path, fs = _file_system(spark, root)
    return fs.exists(path)


def raw_lines(spark, files):
    """The transformation's `raw_lines`: one row per line, numbered from 1 within its object.

    Whole objects are read as text, which decompresses Firehose's .gz objects (Hadoop picks the
    codec by the extension) and keeps the bytes as they are: an object whose bytes are not UTF-8
    has its lines with U+FFFD flagged (`utf8` false), so one damaged line is quarantined, not its
    whole object. A line of such an object that held a genuine U+FFFD is flagged too: the writers
    only pass UTF-8, so that object is damaged anyway (DuckDB's screen checks each line's bytes).
    """
    from pyspark.sql import functions as F

    # text()'s own wholetext argument (False by default) overrides an option("wholetext") set before it.
    # input_file_name() spells a local file file:///…, the Hadoop listing (the manifest's keys) file:/….
    source_file = F.regexp_replace(F.input_file_name(), "^file:///", "file:/")
    objects = spark.read.text(files, wholetext=True).select(source_file.alias("source_file"), F.col("value").cast("binary").alias("bytes"))
    text = objects.select("source_file", F.decode("bytes", "UTF-8").alias("text"), (F.encode(F.decode("bytes", "UTF-8"), "UTF-8") == F.col("bytes")).alias("object_utf8"))
    # The newline that ends the last line does not start another.
    lines = text.where(F.length("text") > 0).select(
        "source_file",
        "object_utf8",
        F.posexplode(F.split(F.regexp_replace("text", "\n\\z", ""), "\n")).alias("pos", "line"),
    )
    return lines.select(
        "source_file",
        (F.col("pos") + 1).cast("bigint").alias("line_number"),
        "line",
        (F.col("object_utf8") | ~F.col("line").contains(REPLACEMENT_CHARACTER)).alias("utf8"),
    )


def run_transform(spark, sql_text, lines, ranges):
    """Runs telemetry.sql over `lines` with the channels' `ranges` ([{channel, min, max}]); its views are then in the session."""
    # Left on, Spark's optimiser splits the one from_json of a line into one per field it reads:
    # twenty parses of each line instead of one.
    spark.conf.set("spark.sql.optimizer.enableJsonExpressionOptimization", "false")
    lines.createOrReplaceTempView("raw_lines")
    spark.createDataFrame([(r["channel"], float(r["min"]), float(r["max"])) for r in ranges], RANGES_SCHEMA).createOrReplaceTempView(
        "telemetry_ranges"
    )
    for statement in sql_statements(sql_text):
        spark.sql(statement)
    # The three outputs read raw_checked: the checks run once, and the cache serves all three.
    spark.table("raw_checked").cache()


def curated_table_ddl(table, location, schema):
    """CREATE TABLE for the curated Parquet with its columns spelt out, so it works before any file exists."""
    columns = [f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields if f.name not in PARTITIONS]
    partitions = [f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields if f.name in PARTITIONS]
    return (
        f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(columns + partitions)}) USING PARQUET "
        f"PARTITIONED BY ({', '.join(PARTITIONS)}) LOCATION '{location}'"
    )


def _counts_by_object(spark, new_curated):
    from pyspark.sql import functions as F

    parts = [
        spark.table("raw_lines").select("source_file", F.lit(1).alias("lines"), F.lit(0).alias("records"), F.lit(0).alias("curated"), F.lit(0).alias("duplicates"), F.lit(0).alias("quarantined")),
        spark.table("raw_checked").select("source_file", F.lit(0), F.lit(1), F.lit(0), F.lit(0), F.lit(0)),
        new_curated.select("source_file", F.lit(0), F.lit(0), F.lit(1), F.lit(0), F.lit(0)),
        spark.table("duplicates").select("source_file", F.lit(0), F.lit(0), F.lit(0), F.lit(1), F.lit(0)),
        spark.table("curated").select("source_file", *KEY).exceptAll(new_curated.select("source_file", *KEY)).select("source_file", F.lit(0), F.lit(0), F.lit(0), F.lit(1), F.lit(0)),
        spark.table("quarantine").select("source_file", F.lit(0), F.lit(0), F.lit(0), F.lit(0), F.lit(1)),
    ]
    union = parts[0]
    for part in parts[1:]:
        union = union.union(part)
    sums = union.groupBy("source_file").agg(*(F.sum(c).alias(c) for c in ["lines", "records", "curated", "duplicates", "quarantined"]))
    return {r["source_file"]: r.asDict() for r in sums.collect()}


def curate(spark, raw_root, curated_path, quarantine_path, manifest_path, sql_text, ranges):
    """Curates every raw object below raw_root that the manifest does not name; returns the run's counts."""
    from pyspark.sql import functions as F

    done = set()
    if exists(spark, manifest_path):
        done = {r["key"] for r in spark.read.schema("key STRING").json(manifest_path).collect()}
    pending = [f for f in list_files(spark, raw_root) if f not in done]
    report = {"objects": len(pending), "lines": 0, "records": 0, "curated": 0, "duplicates": 0, "quarantined": 0}
    if not pending:
        return report
    run_transform(spark, sql_text, raw_lines(spark, pending), ranges)

    curated = spark.table("curated")
    dates = [r["date"] for r in curated.select("date").distinct().collect()]
    new_curated = curated
    if dates and exists(spark, curated_path) and list_files(spark, curated_path):
        # A copy has the same ts, so the same date partition: only those the run writes are read.
        earlier = spark.read.parquet(curated_path).where(F.col("date").isin(dates)).select(*KEY)
        new_curated = curated.join(earlier, on=KEY, how="left_anti")
    new_curated = new_curated.cache()

    counts = _counts_by_object(spark, new_curated)
    for key in pending:
        c = counts.get(key, {"lines": 0, "records": 0, "curated": 0, "duplicates": 0, "quarantined": 0})
        if c["records"] != c["curated"] + c["duplicates"] + c["quarantined"]:
            raise CurationMismatch(
                f"{key}: {c['records']} readings but {c['curated']} curated + {c['duplicates']} duplicates + {c['quarantined']} quarantined; nothing was recorded as curated"
            )
        for field in ("lines", "records", "curated", "duplicates", "quarantined"):
            report[field] += c[field]

    new_curated.write.mode("append").partitionBy(*PARTITIONS).parquet(curated_path)
    (
        spark.table("quarantine")
        .withColumn("ingest_date", F.concat_ws("-", *(F.regexp_extract("source_file", ARRIVAL_DAY, i) for i in (1, 2, 3))))
        .write.mode("append")
        .partitionBy("ingest_date")
        .json(quarantine_path)
    )
    manifest_rows = [(key, *(int(counts.get(key, {}).get(f, 0)) for f in ("lines", "records", "curated", "duplicates", "quarantined"))) for key in pending]
    spark.createDataFrame(manifest_rows, "key STRING, lines BIGINT, records BIGINT, curated BIGINT, duplicates BIGINT, quarantined BIGINT").coalesce(1).write.mode(
        "append"
    ).json(manifest_path)
    spark.catalog.clearCache()
    return report


def curated_schema(spark, sql_text):
    """The curated view's columns, from the SQL over no lines: the table's shape before any reading exists."""
    empty = spark.createDataFrame([], "source_file STRING, line_number BIGINT, line STRING, utf8 BOOLEAN")
    run_transform(spark, sql_text, empty, [{"channel": "none", "min": 0.0, "max": 0.0}])
    schema = spark.table("curated").schema
    spark.catalog.clearCache()
    return schema


def ensure_curated_table(spark, table, location, sql_text):
    """The curated table in the catalog, with its columns, and the partitions written so far.

    The columns come from the SQL, not from the Parquet, so a first run that curated nothing still
    creates the table (schema inference over an empty location fails), and the partitions are
    recovered only once the location holds any (listing a location that does not exist fails).
    """
    spark.sql(curated_table_ddl(table, location, curated_schema(spark, sql_text)))
    if exists(spark, location):
        spark.sql(f"MSCK REPAIR TABLE {table}")
