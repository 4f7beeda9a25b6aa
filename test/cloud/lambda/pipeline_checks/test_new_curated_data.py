"""The pipeline's "did the ETL curate anything?" check against moto's S3 and CloudWatch."""
import time
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws

import new_curated_data as c

BUCKET = "curated"


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("BUCKET", BUCKET)
    monkeypatch.setenv("TELEMETRY_PREFIX", "curated/telemetry/")
    monkeypatch.setenv("WINDOW_DAYS", "2")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def skipped_count():
    cw = boto3.client("cloudwatch")
    stats = cw.get_metric_statistics(
        Namespace="aqm/Pipeline",
        MetricName="TrainingSkipped",
        Dimensions=[{"Name": "Reason", "Value": "no-new-curated-data"}],
        StartTime="2000-01-01",
        EndTime="2100-01-01",
        Period=86400,
        Statistics=["Sum"],
    )
    return sum(p["Sum"] for p in stats["Datapoints"])


def test_the_partitions_of_the_training_window_through_the_run_day_are_listed():
    since = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
    assert c.partition_days(since, 2) == ["2026-02-27", "2026-02-28", "2026-03-01"]
    assert c.parse_time("2026-03-01T02:00:00.123Z") == datetime(2026, 3, 1, 2, 0, 0, 123000, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="since must be an ISO 8601 time"):
        c.parse_time("yesterday")


def test_files_written_before_the_run_do_not_count_and_the_skip_is_logged_and_counted(s3, capsys):
    today = datetime.now(timezone.utc).date().isoformat()
    s3.put_object(Bucket=BUCKET, Key=f"curated/telemetry/date={today}/thing=a/part-0.parquet", Body=b"old")
    time.sleep(1.1)  # S3 keeps LastModified to the second
    since = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    assert c.handler({"since": since}, None) == {"train": False, "newObjects": 0}
    assert '"event": "training-skipped"' in capsys.readouterr().out
    assert skipped_count() == 1


def test_a_parquet_file_curated_during_the_run_means_train(s3, capsys):
    since = datetime.now(timezone.utc).replace(microsecond=0)
    today = since.date().isoformat()
    time.sleep(1.1)
    s3.put_object(Bucket=BUCKET, Key=f"curated/telemetry/date={today}/thing=a/part-1.parquet", Body=b"new")
    s3.put_object(Bucket=BUCKET, Key=f"curated/telemetry/date={today}/thing=a/_SUCCESS", Body=b"")
    assert c.handler({"since": since.isoformat()}, None) == {"train": True, "newObjects": 1}
    assert capsys.readouterr().out == ""
    assert skipped_count() == 0
