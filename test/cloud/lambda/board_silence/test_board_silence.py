"""The board silence watcher against moto: raw objects as Firehose delivers them (plain and gzip),
its state between runs, the per-board alarm it creates and the metrics it publishes."""
import gzip
import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from moto import mock_aws

import board_silence as w

RAW, STATE = "raw-bucket", "curated-bucket"
ENV = {"RAW_BUCKET": RAW, "RAW_PREFIX": "raw/", "STATE_BUCKET": STATE, "STATE_KEY": "ops/board-silence.json", "ALARM_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:alerts"}


@pytest.fixture
def aws():
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=RAW)
        s3.create_bucket(Bucket=STATE)
        yield s3, boto3.client("cloudwatch")


def ms(t):
    return int(t.timestamp() * 1000)


def deliver(s3, name, lines, gz=False):
    now = datetime.now(timezone.utc)
    body = "".join(json.dumps(l) + "\n" for l in lines).encode()
    s3.put_object(Bucket=RAW, Key=f"raw/year={now:%Y}/month={now:%m}/day={now:%d}/hour={now:%H}/{name}", Body=gzip.compress(body) if gz else body)


def test_raw_lines_give_each_reading_s_thing_time_and_interval():
    assert w.readings_of('{"v":2,"thing":"a","ts":5,"interval_s":60,"topic_thing":"a"}') == [("a", 5, 60)]
    assert w.readings_of('{"batch":[{"thing":"x","ts":1},{"ts":2,"interval_s":300}],"topic_thing":"b"}') == [("b", 1, None), ("b", 2, 300)]
    assert w.readings_of("not json") == [] and w.readings_of("[1]") == []


def test_hour_folders_from_the_cursor_to_now_capped():
    now = datetime(2026, 3, 1, 2, 30, tzinfo=timezone.utc)
    assert w.hour_prefixes("raw/", now - timedelta(minutes=40), now) == ["raw/year=2026/month=03/day=01/hour=01/", "raw/year=2026/month=03/day=01/hour=02/"]
    assert len(w.hour_prefixes("raw/", now - timedelta(days=3), now)) == w.MAX_HOURS_PER_RUN


def test_a_silent_board_gets_its_alarm_and_metric_and_the_alarm_clears_when_it_is_heard_again(aws):
    s3, cw = aws
    now = datetime.now(timezone.utc)
    deliver(s3, "a", [{"thing": "quiet", "ts": ms(now - timedelta(minutes=10)), "interval_s": 60, "topic_thing": "quiet"}])
    deliver(s3, "b", [{"thing": "chatty", "ts": ms(now - timedelta(minutes=2)), "interval_s": 60, "topic_thing": "chatty"}], gz=True)
    # A board on a 10-minute interval, last heard 25 minutes ago: 2.5 intervals, within what it is allowed.
    deliver(s3, "c", [{"batch": [{"thing": "slow", "ts": ms(now - timedelta(minutes=25)), "interval_s": 600}], "topic_thing": "slow"}])
    first = w.watch(s3, cw, ENV, now)
    assert (first["objects"], first["boards"], first["silent"], first["newAlarms"]) == (3, 3, ["quiet"], ["quiet"])
    alarm = cw.describe_alarms(AlarmNames=["aqm-board-silent-quiet"])["MetricAlarms"][0]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Dimensions"]) == ("aqm/Boards", "SilentIntervals", [{"Name": "Thing", "Value": "quiet"}])
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["TreatMissingData"], alarm["AlarmActions"]) == (3, "GreaterThanThreshold", "notBreaching", [ENV["ALARM_TOPIC_ARN"]])
    assert len(cw.describe_alarms()["MetricAlarms"]) == 1
    published = {m["Dimensions"][0]["Value"] for m in cw.list_metrics(Namespace="aqm/Boards")["Metrics"]}
    assert published == {"quiet"}, "healthy boards publish no metric"

    # The next run reads only what arrived since; quiet is heard again and its alarm is not created twice.
    later = now + timedelta(minutes=5)
    deliver(s3, "d", [{"thing": "quiet", "ts": ms(later - timedelta(seconds=30)), "interval_s": 60, "topic_thing": "quiet"}])
    second = w.watch(s3, cw, ENV, later)
    assert (second["objects"], second["silent"], second["back"], second["newAlarms"]) == (1, ["chatty"], ["quiet"], ["chatty"])
    state = json.loads(s3.get_object(Bucket=STATE, Key=ENV["STATE_KEY"])["Body"].read())
    assert state["boards"]["quiet"]["silent"] is False and state["boards"]["quiet"]["alarm"] is True
    values = cw.get_metric_statistics(
        Namespace="aqm/Boards", MetricName="SilentIntervals", Dimensions=[{"Name": "Thing", "Value": "quiet"}], StartTime=now - timedelta(hours=1), EndTime=later + timedelta(hours=1), Period=60, Statistics=["Minimum"]
    )["Datapoints"]
    assert min(p["Minimum"] for p in values) == 0, "a 0 once the board is back, so its alarm returns to OK"
