"""Whether this pipeline run's ETL curated anything: the state machine's Choice skips training
(and everything after it) when it did not, since a model retrained on the same readings gives the
same scores, thresholds and forecasts, at the price of two training jobs and two batch transforms.

The ETL appends Parquet files to date partitions (curated/telemetry/date=YYYY-MM-DD/thing=.../);
a reading it curated in this run is in a file written after the run started, in the partition of
its day. Only the days of the training window (the data preparation's training_days) can change
what the models are trained on, however late a catch-up delivers older readings, so the check
lists those date partitions (through today) for a Parquet object modified at or after the
execution's start: a few list calls per day of the window, however long the lake's history. A
skip is logged as one JSON line and counted (CloudWatch aqm/Pipeline TrainingSkipped).
"""
import json
import os
from datetime import datetime, timedelta, timezone

METRIC_NAMESPACE = "aqm/Pipeline"


def parse_time(text):
    """Step Functions' $$.Execution.StartTime: ISO 8601 with a Z (and milliseconds)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    except (AttributeError, ValueError):
        raise ValueError(f"since must be an ISO 8601 time such as 2026-11-22T02:00:00.000Z, got {text!r}") from None


def partition_days(since, days):
    """The date partitions of the training window of a run starting at `since`: `days` days before since, through since's day."""
    first = since.date() - timedelta(days=days)
    return [(first + timedelta(days=i)).isoformat() for i in range((since.date() - first).days + 1)]


def new_objects(s3, bucket, prefix, since, days):
    found = 0
    for day in partition_days(since, days):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}date={day}/"):
            found += sum(1 for obj in page.get("Contents", []) if obj["Key"].endswith(".parquet") and obj["LastModified"] >= since)
    return found


def handler(event, _context):
    """event: since (the execution's start time). Returns {"train": bool, "newObjects": n}."""
    import boto3

    since = parse_time(event.get("since"))
    bucket, prefix, days = os.environ["BUCKET"], os.environ["TELEMETRY_PREFIX"], int(os.environ["WINDOW_DAYS"])
    found = new_objects(boto3.client("s3"), bucket, prefix, since, days)
    if found == 0:
        print(json.dumps({"event": "training-skipped", "reason": "no-new-curated-data", "since": event["since"], "partitions": partition_days(since, days)}))
        boto3.client("cloudwatch").put_metric_data(
            Namespace=METRIC_NAMESPACE,
            MetricData=[{"MetricName": "TrainingSkipped", "Dimensions": [{"Name": "Reason", "Value": "no-new-curated-data"}], "Value": 1, "Unit": "Count"}],
        )
    return {"train": found > 0, "newObjects": found}
