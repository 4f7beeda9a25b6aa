"""The quality gate in the calibration Lambda: judge() on its own, then the handler against moto
(S3 for the run's files, IoT for the shadows, CloudWatch for the counts)."""
import json

import boto3
import pytest
from moto import mock_aws

import quality_gate as g
from calibrate_thresholds import load_table

BUCKET = "curated"
RUN = "ml/output/run-1/"


def test_a_candidate_closer_to_its_target_on_the_held_out_week_is_accepted():
    week = [i / 1000 for i in range(1000)]  # scores 0.000 … 0.999: share >= t is 1 - t
    ok, reason, evidence = g.judge({"threshold": 0.99, "rate": 0.01}, {"threshold": 0.95, "rate": 0.01}, week)
    assert (ok, reason) == (True, None)
    assert evidence["candidateError"] == 0 and evidence["currentError"] == 0.04


def test_a_worse_candidate_is_refused_and_so_is_one_that_moves_more_than_the_factor():
    week = [i / 1000 for i in range(1000)]
    assert g.judge({"threshold": 0.9, "rate": 0.01}, {"threshold": 0.99, "rate": 0.01}, week)[:2] == (False, "worse-on-holdout")
    # 0.2 → 0.99 is right on target but a 4.95× move: refused before its error is weighed.
    assert g.judge({"threshold": 0.99, "rate": 0.01}, {"threshold": 0.2, "rate": 0.8}, week)[:2] == (False, "moved-too-far")
    assert g.judge({"threshold": 0.99, "rate": 0.01}, {"threshold": 0.2, "rate": 0.8}, week, max_factor=5)[:2] == (True, None)


def test_no_held_out_scores_refuses_and_a_first_threshold_needs_only_those():
    assert g.judge({"threshold": 0.03, "rate": 0.01}, None, [])[:2] == (False, "no-holdout")
    assert g.judge({"threshold": 0.03, "rate": 0.01}, None, [0.01, 0.04])[:2] == (True, None)


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("IOT_DATA_ENDPOINT", "data-ats.iot.us-east-1.amazonaws.com")
    # The knee the shipped table was made for, as the stack sets it (DEFAULT_SCORER_CONFIG.knee).
    monkeypatch.setenv("KNEE", str(load_table()["config"]["knee"]))
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        iot = boto3.client("iot")
        for thing in ("quiet", "jumpy", "new", "unseen"):
            iot.create_thing(thingName=thing)
        yield s3


def scores_file(values):
    return "".join(json.dumps({"score": v}) + "\n" for v in values).encode()


def metric_sums(metric):
    cw = boto3.client("cloudwatch")
    out = {}
    for m in cw.list_metrics(Namespace=g.METRIC_NAMESPACE, MetricName=metric)["Metrics"]:
        reason = m["Dimensions"][0]["Value"]
        stats = cw.get_metric_statistics(
            Namespace=g.METRIC_NAMESPACE, MetricName=metric, Dimensions=m["Dimensions"], StartTime="2000-01-01", EndTime="2100-01-01", Period=86400, Statistics=["Sum"]
        )
        out[reason] = sum(p["Sum"] for p in stats["Datapoints"])
    return out


def test_handler_publishes_what_passes_refuses_the_rest_and_counts_each(aws):
    s3 = aws
    # Every thing's RCF scores: 999 alike and one outlier, so the rate clamps to 0.1 % and the candidate is t(0.001).
    table = g.load_table()
    candidate = round(g.board_threshold(0.001, table), 6)
    for thing in ("quiet", "jumpy", "new", "unseen"):
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}rcf-scores/{thing}.csv.out", Body=scores_file([1.0] * 999 + [50.0]))
    # Held-out weeks: quiet's and new's board scores never reach the candidate (error 0.001); jumpy's cross it often; unseen has none.
    for thing, week in (("quiet", [0.001] * 500), ("new", [0.001] * 500), ("jumpy", [candidate + 0.001] * 100 + [0.001] * 400)):
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}holdout/{thing}.json", Body=json.dumps({"scores": week}).encode())
    in_use = {"quiet": {"threshold": candidate * 1.5, "rate": 0.001}, "jumpy": {"threshold": candidate * 1.2, "rate": 0.001}}
    s3.put_object(Bucket=BUCKET, Key="ml/accepted/thresholds.json", Body=json.dumps(in_use).encode())

    result = g.handler({"scoresUri": f"s3://{BUCKET}/{RUN}rcf-scores/", "holdoutUri": f"s3://{BUCKET}/{RUN}holdout/", "acceptedUri": f"s3://{BUCKET}/ml/accepted/thresholds.json"}, None)

    # jumpy: the candidate flags 20 % of its week against a target of 0.1 %, the threshold in use none of it (0.1 % off).
    assert result["refusals"] == {"jumpy": "worse-on-holdout", "unseen": "no-holdout"}
    assert result["thresholds"] == {"quiet": candidate, "new": candidate}
    shadows = boto3.client("iot-data", endpoint_url="https://data-ats.iot.us-east-1.amazonaws.com")
    assert json.loads(shadows.get_thing_shadow(thingName="quiet")["payload"].read())["state"]["desired"]["anomaly"] == {"threshold": candidate}
    with pytest.raises(shadows.exceptions.ResourceNotFoundException):
        shadows.get_thing_shadow(thingName="jumpy")
    accepted = json.loads(s3.get_object(Bucket=BUCKET, Key="ml/accepted/thresholds.json")["Body"].read())
    assert accepted["jumpy"] == in_use["jumpy"] and accepted["new"]["threshold"] == candidate and "unseen" not in accepted
    assert metric_sums("ThresholdsRefused") == {"worse-on-holdout": 1, "no-holdout": 1}
    assert metric_sums("ThresholdsPublished") == {"accepted": 2}


def test_handler_refuses_a_knee_the_table_was_not_made_for(aws, monkeypatch):
    monkeypatch.setenv("KNEE", "30")
    with pytest.raises(ValueError, match="KNEE is '30'"):
        g.handler({"scoresUri": f"s3://{BUCKET}/{RUN}rcf-scores/", "holdoutUri": f"s3://{BUCKET}/{RUN}holdout/", "acceptedUri": f"s3://{BUCKET}/a.json"}, None)


def test_handler_names_a_scores_folder_with_no_score_file(aws):
    with pytest.raises(RuntimeError, match=f"no per-thing score files under s3://{BUCKET}/ml/output/none/"):
        g.handler({"scoresUri": f"s3://{BUCKET}/ml/output/none/", "holdoutUri": f"s3://{BUCKET}/{RUN}holdout/", "acceptedUri": f"s3://{BUCKET}/a.json"}, None)


def test_handler_refuses_a_scores_uri_that_is_not_s3(aws):
    with pytest.raises(ValueError, match="not an s3:// URI: '/tmp/scores'"):
        g.handler({"scoresUri": "/tmp/scores", "holdoutUri": f"s3://{BUCKET}/{RUN}holdout/", "acceptedUri": f"s3://{BUCKET}/a.json"}, None)
