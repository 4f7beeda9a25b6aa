"""The preparation job streams: one thing at a time, every output a multipart upload (against moto's S3)."""
import io
import json
import re
import sys
import types
from datetime import datetime, timedelta, timezone

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

import prepare_training_data as p

T0 = 1795384800000  # 2026-11-22 22:00 UTC


def test_write_outputs_holds_one_thing_at_a_time_and_gives_the_whole_run_objects():
    seen = []

    def things():
        for thing in ("a", "b"):
            seen.append(thing)
            yield thing, [{"thing": thing, "ts": T0 + i * 60000, "pm2_5_ugm3": float(i), "co_ppb": None} for i in range(3)]

    written = {}

    class Sink:
        def __init__(self, folder, name):
            assert folder in p.RUN_FOLDERS
            self.parts, self.closed = [], False
            written[f"{folder}/{name}"] = self

        def write(self, text):
            assert not self.closed
            self.parts.append((tuple(seen), text))

        def close(self):
            self.closed = True

    p.write_outputs(things(), Sink)
    assert sorted(written) == ["deepar_infer/infer.jsonl", "deepar_train/train.jsonl", "rcf_keys/a.csv", "rcf_keys/b.csv", "rcf_score_input/a.csv", "rcf_score_input/b.csv", "rcf_train/train.csv"]
    assert all(s.closed for s in written.values())
    # The training CSV got thing a's rows before thing b was read.
    assert [seen_then for seen_then, _ in written["rcf_train/train.csv"].parts] == [("a",), ("a", "b")]
    assert "".join(t for _, t in written["rcf_train/train.csv"].parts) == "".join(t for _, t in written["rcf_score_input/a.csv"].parts + written["rcf_score_input/b.csv"].parts)


@mock_aws
def test_multipart_sink_uploads_parts_and_puts_an_empty_object_whole():
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="lake", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    sink = p.MultipartSink(s3, "lake", "ml/input/run/rcf/train/train.csv", part_bytes=5 * 1024 * 1024)
    chunk = "0.0,1.0,2.0\n" * 100_000  # 1.2 MB
    for _ in range(10):
        sink.write(chunk)
    sink.close()
    body = s3.get_object(Bucket="lake", Key="ml/input/run/rcf/train/train.csv")["Body"].read().decode()
    assert body == chunk * 10
    assert len(sink._parts) == 2  # a part each time the buffer passes 5 MiB: 6 MB and 6 MB
    empty = p.MultipartSink(s3, "lake", "ml/input/run/deepar/infer/infer.jsonl")
    empty.close()
    assert s3.get_object(Bucket="lake", Key="ml/input/run/deepar/infer/infer.jsonl")["Body"].read() == b""


def test_thing_partitions_keeps_the_window_and_groups_by_thing():
    keys = [
        "curated/telemetry/date=2026-11-01/thing=b/x.parquet",
        "curated/telemetry/date=2026-11-20/thing=b/y.parquet",
        "curated/telemetry/date=2026-11-21/thing=a/z.parquet",
        "curated/telemetry/date=2026-11-21/thing=a/_SUCCESS",
        "curated/telemetry/_curation_manifest/part-0.json",
    ]
    assert p.thing_partitions(keys, "curated/telemetry/", "2026-11-10") == {
        "a": ["curated/telemetry/date=2026-11-21/thing=a/z.parquet"],
        "b": ["curated/telemetry/date=2026-11-20/thing=b/y.parquet"],
    }


@pytest.mark.parametrize("rows", [0, 1])
def test_outputs_of_a_thing_with_few_rows(rows):
    files = p.outputs([{"thing": "a", "ts": T0 + i, "pm2_5_ugm3": 1.0} for i in range(rows)])
    assert files["rcf_train/train.csv"].count("\n") == rows


LAKE = "lake"
# The run's folders as the state machine passes them, each its own prefix, so a folder main() named itself would show.
JOB_ARGS = {
    "bucket": LAKE,
    "curated_prefix": "curated/telemetry/",
    "training_days": "14",
    "rcf_train": "ml/run-7/rcf-fit/",
    "rcf_score_input": "ml/run-7/rcf-rows/",
    "rcf_keys": "ml/run-7/rcf-row-ts/",
    "deepar_train": "ml/run-7/deepar-fit/",
    "deepar_infer": "ml/run-7/deepar-context/",
}


@pytest.fixture
def glue_job(monkeypatch):
    """moto's S3 with the lake's bucket, and a stand-in for Glue's awsglue.utils that resolves the job's arguments."""
    asked = []

    def get_resolved_options(argv, names):
        asked.append(list(names))
        return dict(JOB_ARGS)

    awsglue = types.ModuleType("awsglue")
    awsglue.utils = types.ModuleType("awsglue.utils")
    awsglue.utils.getResolvedOptions = get_resolved_options
    monkeypatch.setitem(sys.modules, "awsglue", awsglue)
    monkeypatch.setitem(sys.modules, "awsglue.utils", awsglue.utils)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=LAKE)
        yield s3, asked


def lake_keys(s3):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=LAKE).get("Contents", []))


def window_start(days_ago=14):
    return (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%d")


def test_main_with_no_curated_readings_in_the_window_refuses_naming_the_day_it_looked_from(glue_job):
    s3, asked = glue_job
    # A partition from before the 14-day window is not a reading to train on either.
    old = (datetime.now(timezone.utc) - timedelta(days=20)).strftime("%Y-%m-%d")
    s3.put_object(Bucket=LAKE, Key=f"curated/telemetry/date={old}/thing=aqm-1/part-0.parquet", Body=b"never read")
    before = window_start()
    with pytest.raises(RuntimeError) as refused:
        p.main()
    # The day is computed from now: either side of midnight UTC during the test is accepted.
    days = {re.escape(before), re.escape(window_start())}
    assert re.fullmatch(f"no curated readings since ({'|'.join(days)}): nothing to train on", str(refused.value))
    assert asked == [p.ARGUMENTS]
    assert lake_keys(s3) == [f"curated/telemetry/date={old}/thing=aqm-1/part-0.parquet"]


def test_main_writes_each_run_folder_from_a_thing_s_curated_partition(glue_job):
    s3, asked = glue_job
    day = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    start = int(day.timestamp() * 1000)
    # Three readings 40 minutes apart (two hours), co_ppb missing in the second; an anomaly column the job does not read.
    readings = [{"ts": start + i * 2_400_000, **{ch: float(10 * k + i) for k, ch in enumerate(p.RCF_FEATURES)}, "anomaly": 0.0} for i in range(3)]
    readings[1]["co_ppb"] = None
    table = pa.Table.from_pylist(readings, schema=pa.schema([("ts", pa.int64()), *((ch, pa.float64()) for ch in p.RCF_FEATURES), ("anomaly", pa.float64())]))
    out = io.BytesIO()
    pq.write_table(table, out)
    curated = f"curated/telemetry/date={day:%Y-%m-%d}/thing=aqm-1/part-0.parquet"
    s3.put_object(Bucket=LAKE, Key=curated, Body=out.getvalue())

    p.main()

    assert asked == [p.ARGUMENTS]
    assert lake_keys(s3) == sorted(
        [
            curated,
            "ml/run-7/rcf-fit/train.csv",
            "ml/run-7/rcf-rows/aqm-1.csv",
            "ml/run-7/rcf-row-ts/aqm-1.csv",
            "ml/run-7/deepar-fit/train.jsonl",
            "ml/run-7/deepar-context/infer.jsonl",
        ]
    )

    def text(key):
        return s3.get_object(Bucket=LAKE, Key=key)["Body"].read().decode("utf-8")

    # One CSV row per reading in RCF_FEATURES order; the missing co_ppb takes the thing's mean of it (30 and 32: 31).
    rows = text("ml/run-7/rcf-fit/train.csv").splitlines()
    assert rows == [",".join(repr(float(10 * k + i)) if ch != "co_ppb" or i != 1 else "31.0" for k, ch in enumerate(p.RCF_FEATURES)) for i in range(3)]
    assert text("ml/run-7/rcf-rows/aqm-1.csv") == text("ml/run-7/rcf-fit/train.csv")
    assert text("ml/run-7/rcf-row-ts/aqm-1.csv") == "".join(f"{start + i * 2_400_000}\n" for i in range(3))
    series = [json.loads(line) for line in text("ml/run-7/deepar-fit/train.jsonl").splitlines()]
    assert [s["id"] for s in series] == sorted(f"aqm-1/{ch}" for ch in p.POLLUTANTS)
    assert {s["start"] for s in series} == {f"{day:%Y-%m-%d} 00:00:00"}
    # Readings at 0:00 and 0:40 make hour 0, the one at 1:20 hour 1; co_ppb has only the first of hour 0.
    by_id = {s["id"]: s["target"] for s in series}
    assert by_id["aqm-1/pm2_5_ugm3"] == [10.5, 12.0] and by_id["aqm-1/co_ppb"] == [30.0, 32.0]
    assert text("ml/run-7/deepar-context/infer.jsonl") == text("ml/run-7/deepar-fit/train.jsonl")
