"""The Spark curation's runs: the first over an empty lake, one with nothing new, a catch-up after
days of failed runs (driven by the manifest, not a window), a transformation that loses a reading
(the count check fails the run before it writes), and the curated table's DDL before any Parquet exists."""
import gzip
import json

import pytest

import telemetry_transform as tt

BASE_MS = 1795161600000  # 2026-11-20 00:00 UTC
DAY_MS = 86400000


def reading(seq, ts):
    health = {c: "ok" for c in ("temperature_c", "humidity_pct", "pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3", "co_ppb", "no2_ppb", "so2_ppb", "o3_ppb")}
    return json.dumps({"v": 2, "thing": "aqm-run-001", "boot": 1, "seq": seq, "ts": ts, "interval_s": 60, "pm2_5_ugm3": 4.5, "health": health, "topic_thing": "aqm-run-001", "received_at": ts + 100})


def write_day(raw, day, seqs):
    folder = raw / f"year=2026/month=11/day={20 + day:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"aqm-telemetry-{day}").write_text("".join(reading(s, BASE_MS + day * DAY_MS + s * 60000) + "\n" for s in seqs))


def run(spark, tmp_path, sql, ranges):
    out = {k: str(tmp_path / k) for k in ("curated", "quarantine", "manifest")}
    return tt.curate(spark, str(tmp_path / "raw"), out["curated"], out["quarantine"], out["manifest"], sql, ranges)


def test_first_run_over_an_empty_lake_and_a_run_with_nothing_new_do_nothing(spark, tmp_path, transform_sql, channel_ranges):
    assert run(spark, tmp_path, transform_sql, channel_ranges)["objects"] == 0
    (tmp_path / "raw").mkdir()
    assert run(spark, tmp_path, transform_sql, channel_ranges) == {"objects": 0, "lines": 0, "records": 0, "curated": 0, "duplicates": 0, "quarantined": 0}
    assert not (tmp_path / "curated").exists()


def test_catch_up_after_days_of_failures_curates_every_day_once_by_the_manifest(spark, tmp_path, transform_sql, channel_ranges):
    raw = tmp_path / "raw"
    for day in range(5):  # five days of raw data, no run succeeded
        write_day(raw, day, [1 + day * 10, 2 + day * 10])
    first = run(spark, tmp_path, transform_sql, channel_ranges)
    assert (first["objects"], first["curated"], first["quarantined"]) == (5, 10, 0)
    assert run(spark, tmp_path, transform_sql, channel_ranges)["objects"] == 0
    # A new day, as Firehose writes it (GZIP), and a board resending a reading of day 0: a duplicate against the curated partitions.
    write_day(raw, 5, [51])
    day5 = raw / "year=2026/month=11/day=25/aqm-telemetry-5"
    day5.with_suffix(".gz").write_bytes(gzip.compress(day5.read_bytes()))
    day5.unlink()
    (raw / "year=2026/month=11/day=25/resend").write_text(reading(1, BASE_MS + 60000) + "\n")
    second = run(spark, tmp_path, transform_sql, channel_ranges)
    assert (second["objects"], second["curated"], second["duplicates"]) == (2, 1, 1)
    rows = spark.read.parquet(str(tmp_path / "curated")).select("seq").collect()
    assert sorted(r["seq"] for r in rows) == [1, 2, 11, 12, 21, 22, 31, 32, 41, 42, 51]
    manifest = spark.read.json(str(tmp_path / "manifest")).collect()
    assert len(manifest) == 7 and all(m["records"] == m["curated"] + m["duplicates"] + m["quarantined"] for m in manifest)


def test_the_curated_table_is_created_with_its_columns_before_any_parquet_exists_and_then_finds_its_partitions(spark, tmp_path, transform_sql, channel_ranges):
    location = str(tmp_path / "curated")
    ddl = tt.curated_table_ddl("aqm_test_telemetry", location, tt.curated_schema(spark, transform_sql))
    assert "PARTITIONED BY (date, thing)" in ddl and "`pm2_5_ugm3` double" in ddl and "`boot` bigint" in ddl
    tt.ensure_curated_table(spark, "aqm_test_telemetry", location, transform_sql)
    assert spark.table("aqm_test_telemetry").count() == 0
    assert [f.name for f in spark.table("aqm_test_telemetry").schema.fields][-2:] == ["date", "thing"]
    write_day(tmp_path / "raw", 0, [1, 2])
    run(spark, tmp_path, transform_sql, channel_ranges)
    tt.ensure_curated_table(spark, "aqm_test_telemetry", location, transform_sql)
    assert spark.table("aqm_test_telemetry").where("date = DATE '2026-11-20'").count() == 2


def test_a_transformation_that_loses_a_reading_fails_the_run_before_anything_is_written_or_recorded(spark, tmp_path, transform_sql, channel_ranges):
    write_day(tmp_path / "raw", 0, [1, 2, 3])
    losing = transform_sql.replace("WHERE copy_rank = 1", "WHERE copy_rank = 1 AND seq <> 2", 1)
    assert losing != transform_sql
    with pytest.raises(tt.CurationMismatch, match=r"aqm-telemetry-0: 3 readings but 2 curated \+ 0 duplicates \+ 0 quarantined"):
        run(spark, tmp_path, losing, channel_ranges)
    assert not (tmp_path / "curated").exists() and not (tmp_path / "manifest").exists()
    # The same objects, with the transformation whole, are curated by the next run.
    assert run(spark, tmp_path, transform_sql, channel_ranges)["curated"] == 3
