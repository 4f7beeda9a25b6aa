"""Per-board silence, every few minutes: which boards have sent nothing for longer than their
sampling interval allows, each with a CloudWatch alarm of its own.

What a board sent is read from the raw side of the lake, which Firehose fills within a minute
(the curated side is a day behind): the objects delivered since the last run, under the hour
folders of their arrival (raw/year=/month=/day=/hour=/), plain or gzip. The newest reading of each
board and its interval_s are kept in a small state object between runs, so a board stays known
after it falls silent. A board is silent when now - its newest reading is more than
ALLOWED_INTERVALS of its intervals. For each silent board the function publishes
aqm/Boards SilentIntervals (dimension Thing: how many intervals it has been quiet) and creates the
board's alarm the first time; when the board is heard again it publishes 0 once, so the alarm
returns to OK. Metrics exist only for silent boards: CloudWatch bills a custom metric per hour it
receives data, so 100,000 healthy boards cost nothing here. aqm/Fleet SilentBoards counts them.
"""
import gzip
import json
import os
from datetime import datetime, timedelta, timezone

ALLOWED_INTERVALS = 3
DEFAULT_INTERVAL_S = 60
FIRST_LOOKBACK = timedelta(hours=2)
# Firehose may deliver an object whose folder is the hour before its LastModified.
FOLDER_SLACK = timedelta(minutes=10)
MAX_HOURS_PER_RUN = 6


def lines_of(body):
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return body.decode("utf-8", errors="replace").splitlines()


def readings_of(line):
    """(thing, ts, interval_s) of each reading on a raw line: one reading, or a batch envelope; anything else yields nothing."""
    try:
        doc = json.loads(line)
    except json.JSONDecodeError:
        return []
    if not isinstance(doc, dict):
        return []
    items = doc["batch"] if isinstance(doc.get("batch"), list) else [doc]
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        thing = doc.get("topic_thing") or item.get("thing")
        ts = item.get("ts")
        if isinstance(thing, str) and isinstance(ts, (int, float)):
            interval = item.get("interval_s")
            out.append((thing, int(ts), int(interval) if isinstance(interval, (int, float)) and interval > 0 else None))
    return out


def remember(boards, thing, ts, interval_s):
    known = boards.get(thing)
    if known is None or ts > known["ts"]:
        boards[thing] = {"ts": ts, "interval_s": interval_s or (known or {}).get("interval_s") or DEFAULT_INTERVAL_S, "silent": (known or {}).get("silent", False), "alarm": (known or {}).get("alarm", False)}


def hour_prefixes(raw_prefix, since, now):
    start = (since - FOLDER_SLACK).replace(minute=0, second=0, microsecond=0)
    start = max(start, now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=MAX_HOURS_PER_RUN - 1))
    hours = []
    while start <= now:
        hours.append(f"{raw_prefix}year={start:%Y}/month={start:%m}/day={start:%d}/hour={start:%H}/")
        start += timedelta(hours=1)
    return hours


def silent_intervals(board, now_ms):
    return (now_ms - board["ts"]) / (board["interval_s"] * 1000)


def alarm_definition(thing, topic_arn):
    return {
        "AlarmName": f"aqm-board-silent-{thing}",
        "AlarmDescription": f"Board {thing} has sent nothing for more than {ALLOWED_INTERVALS} of its sampling intervals (created by the board silence watcher)",
        "Namespace": "aqm/Boards",
        "MetricName": "SilentIntervals",
        "Dimensions": [{"Name": "Thing", "Value": thing}],
        "Statistic": "Maximum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": ALLOWED_INTERVALS,
        "ComparisonOperator": "GreaterThanThreshold",
        # The watcher publishes only for silent boards and a 0 when one is back: no data means not silent.
        "TreatMissingData": "notBreaching",
        "AlarmActions": [topic_arn],
        "OKActions": [topic_arn],
    }


def watch(s3, cloudwatch, env, now):
    raw_bucket, raw_prefix = env["RAW_BUCKET"], env["RAW_PREFIX"]
    state_bucket, state_key = env["STATE_BUCKET"], env["STATE_KEY"]
    try:
        state = json.loads(s3.get_object(Bucket=state_bucket, Key=state_key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        state = {"cursor": (now - FIRST_LOOKBACK).isoformat(), "boards": {}}
    cursor = datetime.fromisoformat(state["cursor"])
    # S3's LastModified is whole seconds: an object can arrive in the same second as the newest one
    # already read, so the keys read at the cursor's second are kept, and only those are skipped.
    read_at_cursor = set(state.get("cursorKeys", []))
    boards = state["boards"]
    newest, newest_keys = cursor, set(read_at_cursor)
    objects = 0
    for prefix in hour_prefixes(raw_prefix, cursor, now):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=raw_bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                modified = obj["LastModified"]
                if modified < cursor or (modified == cursor and obj["Key"] in read_at_cursor):
                    continue
                objects += 1
                if modified > newest:
                    newest, newest_keys = modified, set()
                if modified == newest:
                    newest_keys.add(obj["Key"])
                for line in lines_of(s3.get_object(Bucket=raw_bucket, Key=obj["Key"])["Body"].read()):
                    for thing, ts, interval in readings_of(line):
                        remember(boards, thing, ts, interval)

    now_ms = int(now.timestamp() * 1000)
    data, silent, back, new_alarms = [], [], [], []
    for thing, board in sorted(boards.items()):
        quiet = silent_intervals(board, now_ms)
        if quiet > ALLOWED_INTERVALS:
            silent.append(thing)
            data.append({"MetricName": "SilentIntervals", "Dimensions": [{"Name": "Thing", "Value": thing}], "Value": round(quiet, 2), "Unit": "Count"})
            if not board["alarm"]:
                cloudwatch.put_metric_alarm(**alarm_definition(thing, env["ALARM_TOPIC_ARN"]))
                board["alarm"] = True
                new_alarms.append(thing)
            if not board["silent"]:
                print(json.dumps({"event": "board-silent", "thing": thing, "lastReading": board["ts"], "intervalS": board["interval_s"], "silentIntervals": round(quiet, 2)}))
            board["silent"] = True
        elif board["silent"]:
            back.append(thing)
            data.append({"MetricName": "SilentIntervals", "Dimensions": [{"Name": "Thing", "Value": thing}], "Value": 0, "Unit": "Count"})
            board["silent"] = False
    for i in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace="aqm/Boards", MetricData=data[i : i + 1000])
    cloudwatch.put_metric_data(Namespace="aqm/Fleet", MetricData=[{"MetricName": "SilentBoards", "Value": len(silent), "Unit": "Count"}])
    state = {"cursor": newest.isoformat(), "cursorKeys": sorted(newest_keys), "boards": boards}
    s3.put_object(Bucket=state_bucket, Key=state_key, Body=json.dumps(state).encode("utf-8"))
    return {"objects": objects, "boards": len(boards), "silent": silent, "back": back, "newAlarms": new_alarms}


def handler(_event, _context):
    import boto3

    return watch(boto3.client("s3"), boto3.client("cloudwatch"), os.environ, datetime.now(timezone.utc))
