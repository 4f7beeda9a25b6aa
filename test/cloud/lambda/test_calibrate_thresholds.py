"""The calibration Lambda's handler end to end against moto: RCF score files in S3 in, each thing's
Device Shadow updated with its threshold out."""
import json

import boto3
import pytest
from moto import mock_aws

import calibrate_thresholds as c

REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("KNEE", "20")
    # moto answers the data endpoint by its host name, as boto3's default one.
    monkeypatch.setenv("IOT_DATA_ENDPOINT", f"data-ats.iot.{REGION}.amazonaws.com")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="lake", CreateBucketConfiguration={"LocationConstraint": REGION})
        iot = boto3.client("iot", region_name=REGION)
        for thing in ("aqm-cal-001", "aqm-cal-002"):
            iot.create_thing(thingName=thing)
        yield s3


def scores_file(scores):
    return "".join(json.dumps({"score": s}) + "\n" for s in scores)


def test_each_thing_s_score_file_becomes_its_shadow_threshold(aws):
    quiet = [1 + 0.05 * ((i * 7) % 11) / 11 for i in range(1000)]
    noisy = [50 if i < 10 else s for i, s in enumerate(quiet)]
    aws.put_object(Bucket="lake", Key="ml/output/run/rcf-scores/aqm-cal-001.csv.out", Body=scores_file(quiet))
    aws.put_object(Bucket="lake", Key="ml/output/run/rcf-scores/aqm-cal-002.csv.out", Body=scores_file(noisy))
    aws.put_object(Bucket="lake", Key="ml/output/run/rcf-scores/_manifest.json", Body=b"{}")
    result = c.handler({"scoresUri": "s3://lake/ml/output/run/rcf-scores/"}, None)
    assert result["things"] == 2
    shadows = boto3.client("iot-data", region_name=REGION)
    published = {}
    for thing in ("aqm-cal-001", "aqm-cal-002"):
        doc = json.loads(shadows.get_thing_shadow(thingName=thing)["payload"].read())
        assert list(doc["state"]["desired"]) == ["anomaly"]
        published[thing] = doc["state"]["desired"]["anomaly"]["threshold"]
    assert published == result["thresholds"]
    # More RCF outliers, a higher alert rate, a lower threshold.
    assert published["aqm-cal-001"] > published["aqm-cal-002"]


def test_no_score_file_under_the_prefix_is_an_error_naming_it(aws):
    with pytest.raises(RuntimeError, match="no per-thing score files under s3://lake/ml/output/none/"):
        c.handler({"scoresUri": "s3://lake/ml/output/none/"}, None)


def test_a_scores_uri_that_is_not_s3_is_refused(aws):
    with pytest.raises(ValueError, match="scoresUri is not an s3:// URI: /tmp/scores"):
        c.handler({"scoresUri": "/tmp/scores"}, None)
