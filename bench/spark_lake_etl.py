"""bench:etl's Spark half: the Glue job's transformation (cloud/transform/telemetry_transform.py) in
Spark local mode over the raw lake bench/lake-etl.ts generated. Prints one JSON line of figures.

  .venv/bin/python bench/spark_lake_etl.py <lake folder> <ranges JSON>
"""
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "cloud/transform"))

import telemetry_transform as tt  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

lake, ranges = sys.argv[1], json.loads(sys.argv[2])
started = time.perf_counter()
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.shuffle.partitions", "8")
    .config("spark.driver.memory", "2g")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
startup = time.perf_counter() - started
with tempfile.TemporaryDirectory(prefix="aqm-bench-spark-") as out:
    t = time.perf_counter()
    report = tt.curate(spark, str(Path(lake) / "raw"), f"{out}/curated", f"{out}/quarantine", f"{out}/manifest", (REPO / "cloud/transform/telemetry.sql").read_text("utf-8"), ranges)
    seconds = time.perf_counter() - t
print(json.dumps({"startup_s": startup, "seconds": seconds, **report}))
spark.stop()
