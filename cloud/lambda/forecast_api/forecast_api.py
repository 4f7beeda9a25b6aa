"""The forecast API: GET /forecasts/<thing>[?channel=<channel>] answers with the thing's newest
forecasts, as the results step left them in serving/forecasts/<thing>.json after the last
training (cloud/results/publish_model_results.py): the shape `aqm forecast` prints, one object
per channel with the series, its start hour and DeepAR's mean and quantiles.

Batch results behind a small function, not a SageMaker endpoint: the forecast of the next 24 h
changes once a day, when the model is retrained, so every request between two trainings would ask
an endpoint the same question (cloud/README.md, "Near-real-time forecasts", has the costs).
Served through a Lambda function URL with IAM auth: an application signs its requests.
"""
import json
import os
import re

THING_NAME = re.compile(r"^[a-zA-Z0-9:_-]{1,128}$")
PATH = re.compile(r"^/forecasts/([^/]+)/?$")


def response(status, body, max_age=None):
    headers = {"Content-Type": "application/json"}
    if max_age is not None:
        headers["Cache-Control"] = f"max-age={max_age}"
    return {"statusCode": status, "headers": headers, "body": json.dumps(body)}


def error(status, message):
    return response(status, {"error": message})


def handler(event, _context):
    import boto3

    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    if method != "GET":
        return error(405, f"{method} is not supported: GET /forecasts/<thing>")
    match = PATH.match(event.get("rawPath", ""))
    if not match:
        return error(404, f"no such resource {event.get('rawPath')!r}: GET /forecasts/<thing>[?channel=<channel>]")
    thing = match.group(1)
    if not THING_NAME.match(thing):
        return error(400, f"{thing!r} is not a thing name (letters, digits, colon, underscore, hyphen; at most 128)")
    s3 = boto3.client("s3")
    try:
        obj = s3.get_object(Bucket=os.environ["BUCKET"], Key=f"{os.environ['SERVING_PREFIX']}{thing}.json")
    except s3.exceptions.NoSuchKey:
        return error(404, f"no forecast for {thing}: it is not a board, or the pipeline has not forecast it yet")
    forecasts = json.loads(obj["Body"].read())
    channel = (event.get("queryStringParameters") or {}).get("channel")
    if channel is not None:
        forecasts = [f for f in forecasts if f["channel"] == channel]
        if not forecasts:
            return error(404, f"no forecast of {channel!r} for {thing}")
    # Until the next daily training nothing changes; an hour keeps clients and caches from asking again for nothing.
    return response(200, forecasts, max_age=int(os.environ.get("MAX_AGE_SECONDS", "3600")))
