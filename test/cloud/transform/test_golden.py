"""The golden test: the same raw lake curated by DuckDB (the local curator) and by Spark (the Glue
job's transformation) gives the same curated rows, every column, and the same quarantine, row by row."""
import math
from pathlib import Path

import pytest

import telemetry_transform as tt

CURATED_ORDER = ["thing", "boot", "seq"]


@pytest.fixture(scope="module")
def golden(tmp_path_factory, node_helper):
    lake = tmp_path_factory.mktemp("golden-lake")
    duck = node_helper("test/cloud/transform/goldenLake.ts", str(lake))
    return lake, duck


def spark_curation(spark, lake, sql, ranges, out):
    report = tt.curate(spark, str(lake / "raw"), str(out / "curated"), str(out / "quarantine"), str(out / "manifest"), sql, ranges)
    prefix = "file:" + str(lake) + "/"
    key = lambda uri: uri[len(prefix) :] if uri.startswith(prefix) else uri
    curated = [r.asDict() for r in spark.read.parquet(str(out / "curated")).collect()]
    for row in curated:
        row["source_file"] = key(row["source_file"])
        row["date"] = str(row["date"])
    quarantine = [r.asDict() for r in spark.read.json(str(out / "quarantine")).select("source_file", "line_number", "item", "reason", "line").collect()]
    for row in quarantine:
        row["source_file"] = key(row["source_file"])
    return report, sorted(curated, key=lambda r: [r[c] for c in CURATED_ORDER]), sorted(quarantine, key=lambda r: (r["source_file"], r["line_number"], r["item"]))


def same(a, b):
    if isinstance(a, float) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=0, abs_tol=0) or a == b
    return a == b


def test_spark_and_duckdb_curate_the_golden_lake_alike_row_by_row(spark, golden, transform_sql, tmp_path):
    lake, duck = golden
    report, curated, quarantine = spark_curation(spark, lake, transform_sql, duck["ranges"], tmp_path)
    assert {k: report[k] for k in ("objects", "lines", "records", "curated", "duplicates", "quarantined")} == {
        k: duck["report"][k] for k in ("objects", "lines", "records", "curated", "duplicates", "quarantined")
    }
    assert len(curated) == len(duck["curated"]) > 10
    for spark_row, duck_row in zip(curated, duck["curated"]):
        assert set(spark_row) == set(duck_row)
        differing = {c: (spark_row[c], duck_row[c]) for c in duck_row if not same(spark_row[c], duck_row[c])}
        assert differing == {}, f"{duck_row['thing']}/{duck_row['boot']}/{duck_row['seq']}: {differing}"
    assert [(q["source_file"], q["line_number"], q["item"], q["reason"]) for q in quarantine] == [
        (q["source_file"], q["line_number"], q["item"], q["reason"]) for q in duck["quarantine"]
    ]
    # The text kept is the reading's own; a line that is not UTF-8 shows U+FFFD for its bad bytes on both engines.
    assert [q["line"] for q in quarantine] == [q["line"] for q in duck["quarantine"]]
    reasons = {q["reason"] for q in quarantine}
    for expected in (
        "pm2_5_ugm3 is out of range (0.0 to 1000.0)",
        "temperature_c is out of range (-40.0 to 125.0)",
        "humidity_pct is out of range (0.0 to 100.0)",
        "not UTF-8 text (the line shows each invalid byte as U+FFFD)",
        "a key appears twice (JSON parsers disagree on which one counts)",
        "a key of health appears twice (JSON parsers disagree on which one counts)",
        "thing 5 differs from the thing of the topic it was published on",
        "health.co_ppb is not ok, warming or fault:<code>",
        "batch is an empty array",
    ):
        assert expected in reasons
    # A key given twice is found whether or not the transformation reads it.
    reason_of = lambda text: [q["reason"] for q in quarantine if text in q["line"]]
    assert reason_of('"note":1,"note":2') == ["a key appears twice (JSON parsers disagree on which one counts)"]
    assert reason_of('"co_ppb":"ok","co_ppb":"warming"') == ["a key of health appears twice (JSON parsers disagree on which one counts)"]


def test_a_broken_function_registration_fails_the_golden_comparison(spark, golden, transform_sql, tmp_path):
    """Today's bug, re-created: the SQL calls a function the Spark side never registered."""
    lake, duck = golden
    broken = transform_sql.replace("json_object_keys(line)", "json_kind(line, '$')", 1)
    with pytest.raises(Exception, match="json_kind"):
        spark_curation(spark, lake, broken, duck["ranges"], tmp_path)
