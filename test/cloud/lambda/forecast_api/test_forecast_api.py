"""The forecast API's handler with function-URL events against moto's S3, and a document written as the results step writes it."""
import json

import boto3
import pytest
from moto import mock_aws

import forecast_api as api

BUCKET = "curated"
DOC = [
    {"thing": "aqm-1", "channel": "pm2_5_ugm3", "id": "aqm-1/pm2_5_ugm3", "start": "2026-11-23T00:00:00.000Z", "freq": "H", "predictions": [{"mean": [1.0], "quantiles": {"0.1": [0.5], "0.5": [1.0], "0.9": [2.0]}}]},
    {"thing": "aqm-1", "channel": "o3_ppb", "id": "aqm-1/o3_ppb", "start": "2026-11-23T00:00:00.000Z", "freq": "H", "predictions": [{"mean": [30.0], "quantiles": {"0.1": [20.0], "0.5": [30.0], "0.9": [40.0]}}]},
]


@pytest.fixture(autouse=True)
def s3(monkeypatch):
    monkeypatch.setenv("BUCKET", BUCKET)
    monkeypatch.setenv("SERVING_PREFIX", "serving/forecasts/")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        client.put_object(Bucket=BUCKET, Key="serving/forecasts/aqm-1.json", Body=json.dumps(DOC).encode())
        yield client


def get(path, query=None, method="GET"):
    event = {"rawPath": path, "requestContext": {"http": {"method": method}}}
    if query:
        event["queryStringParameters"] = query
    r = api.handler(event, None)
    return r["statusCode"], json.loads(r["body"]), r["headers"]


def test_a_board_s_forecasts_and_one_channel_of_them():
    status, body, headers = get("/forecasts/aqm-1")
    assert status == 200 and body == DOC and headers["Cache-Control"] == "max-age=3600"
    status, body, _ = get("/forecasts/aqm-1", {"channel": "o3_ppb"})
    assert status == 200 and [f["id"] for f in body] == ["aqm-1/o3_ppb"]


def test_unknown_boards_channels_paths_methods_and_bad_names_say_what_was_wrong():
    assert get("/forecasts/aqm-2")[:2] == (404, {"error": "no forecast for aqm-2: it is not a board, or the pipeline has not forecast it yet"})
    assert get("/forecasts/aqm-1", {"channel": "co_ppb"})[:2] == (404, {"error": "no forecast of 'co_ppb' for aqm-1"})
    assert get("/forecasts/a%2Fb")[:2] == (400, {"error": "'a%2Fb' is not a thing name (letters, digits, colon, underscore, hyphen; at most 128)"})
    assert get("/things")[:2] == (404, {"error": "no such resource '/things': GET /forecasts/<thing>[?channel=<channel>]"})
    assert get("/forecasts/aqm-1", method="POST")[:2] == (405, {"error": "POST is not supported: GET /forecasts/<thing>"})
