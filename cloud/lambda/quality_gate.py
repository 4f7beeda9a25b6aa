"""The calibration Lambda's handler: each thing's candidate threshold from this run's RCF scores
and the board's own scores of the weeks before the held-out one (calibrate_thresholds.py), judged
against the threshold the board uses now on a held-out week of the board's own scores, and
published to the Device Shadow only when it passes.

The board's score does not depend on its threshold (the threshold is only compared with it), so
the scores a board sent over the last week say what share of readings any threshold would have
flagged. A threshold is meant to flag its target share p (the rate RCF's scores gave it), so its
error on the week is |share flagged - p|. A candidate is refused when:
  * there is no board score of the thing in the held-out week (nothing to judge it on);
  * it moves more than MAX_FACTOR times up or down from the threshold in use (a model that has
    gone wrong, or data that changed, deserves a person's look before the board goes quiet or loud);
  * its error on the week is worse than the threshold in use by more than TOLERANCE;
  * or, having passed, the thing's shadow refuses the update (shadow-update-failed), so it is not
    recorded as in use.
A thing with no threshold from us yet runs the board's default (the table's defaultThreshold,
DEFAULT_SCORER_CONFIG.threshold), and a first candidate is judged against that, aimed at the
candidate's own rate: a board is only moved off its default by a threshold that flags closer to
the target on its own week. The default was chosen on other boards' data, so how far a first
candidate moves from it is no sign of a model gone wrong, and MAX_FACTOR does not apply to it.
(A threshold set outside the pipeline, by `aqm train`, is not seen here.) Every refusal is
logged as one JSON line and counted (CloudWatch aqm/Pipeline ThresholdsRefused, by Reason), and
so are the thresholds published; the accepted ones are written back to ACCEPTED_KEY.
"""
import json
import math
import os
import re

from botocore.exceptions import ClientError

from calibrate_thresholds import anomaly_rate, board_threshold, check_knee, fitted_threshold, load_table, parse_scores, thing_of

MAX_FACTOR = 2.0
TOLERANCE = 0.001
METRIC_NAMESPACE = "aqm/Pipeline"
REASONS = ("no-holdout", "moved-too-far", "worse-on-holdout", "shadow-update-failed")


def flagged_share(scores, threshold):
    """The share of the board's scores at or above the threshold, as the board compares them."""
    return sum(1 for s in scores if s >= threshold) / len(scores)


def board_default(table, candidate):
    """The threshold a board runs until we publish one, aimed at the candidate's rate."""
    return {"threshold": table["defaultThreshold"], "rate": candidate["rate"]}


def judge(candidate, current, holdout, max_factor=MAX_FACTOR, tolerance=TOLERANCE):
    """candidate / current: {"threshold", "rate"} (current: the one we published last, or
    board_default()); holdout: the board's scores of the held-out week. Returns (accepted, reason, evidence)."""
    if not holdout:
        return False, "no-holdout", {"holdoutReadings": 0}
    error_new = abs(flagged_share(holdout, candidate["threshold"]) - candidate["rate"])
    evidence = {"holdoutReadings": len(holdout), "candidate": candidate["threshold"], "candidateError": round(error_new, 6)}
    factor = max(candidate["threshold"] / current["threshold"], current["threshold"] / candidate["threshold"])
    error_current = abs(flagged_share(holdout, current["threshold"]) - current["rate"])
    evidence.update({"current": current["threshold"], "currentError": round(error_current, 6), "factor": round(factor, 4)})
    if factor > max_factor:
        return False, "moved-too-far", evidence
    if error_new > error_current + tolerance:
        return False, "worse-on-holdout", evidence
    return True, None, evidence


def split_s3(uri):
    match = re.match(r"^s3://([^/]+)/(.*)$", uri or "")
    if not match:
        raise ValueError(f"not an s3:// URI: {uri!r}")
    return match.group(1), match.group(2)


def _keys_under(s3, bucket, prefix):
    """The keys under prefix. Files are listed, not probed: S3 answers a GetObject of a missing key
    with NoSuchKey only to a caller with s3:ListBucket, and with AccessDenied otherwise. This role
    may list only by prefix, and a listing does not depend on how S3 weighs that for a GetObject:
    a thing without a file must read as missing, never fail the run."""
    return {obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix) for obj in page.get("Contents", [])}


def _read_json(s3, bucket, key, present):
    """The JSON object at key, or None when key is not among the present (listed) keys."""
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) if key in present else None


def candidates(s3, scores_uri, fit_uri, table):
    """{thing: {"threshold", "rate", "source", "fitReadings"}}: the rate from the RCF score files
    under scores_uri, the threshold fitted on the thing's board scores under fit_uri, or from the
    table where there are too few of them ("source" says which)."""
    bucket, prefix = split_s3(scores_uri)
    fit_bucket, fit_prefix = split_s3(fit_uri)
    fitted_things = _keys_under(s3, fit_bucket, fit_prefix)
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            thing = thing_of(obj["Key"])
            if thing is None:
                continue
            scores = parse_scores(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode("utf-8"))
            if not scores:
                continue
            rate = anomaly_rate(scores)
            own = (_read_json(s3, fit_bucket, f"{fit_prefix}{thing}.json", fitted_things) or {}).get("scores", [])
            fitted = fitted_threshold(own, rate)
            threshold, source = (fitted, "board-scores") if fitted is not None else (board_threshold(rate, table), "table")
            found[thing] = {"threshold": round(threshold, 6), "rate": rate, "source": source, "fitReadings": len(own)}
    return found


def count(cloudwatch, metric, reason_counts):
    data = [{"MetricName": metric, "Dimensions": [{"Name": "Reason", "Value": r}], "Value": n, "Unit": "Count"} for r, n in reason_counts.items()]
    if data:
        cloudwatch.put_metric_data(Namespace=METRIC_NAMESPACE, MetricData=data)


def handler(event, _context):
    """event: scoresUri, fitUri, holdoutUri (s3:// folders of this run), acceptedUri (the thresholds in use, one JSON object)."""
    import boto3

    table = load_table()
    check_knee(os.environ.get("KNEE"), table)
    max_factor = float(os.environ.get("MAX_FACTOR", MAX_FACTOR))
    s3 = boto3.client("s3")
    shadows = boto3.client("iot-data", endpoint_url=f"https://{os.environ['IOT_DATA_ENDPOINT']}")
    cloudwatch = boto3.client("cloudwatch")

    proposed = candidates(s3, event["scoresUri"], event["fitUri"], table)
    if not proposed:
        raise RuntimeError(f"no per-thing score files under {event['scoresUri']}")
    holdout_bucket, holdout_prefix = split_s3(event["holdoutUri"])
    accepted_bucket, accepted_key = split_s3(event["acceptedUri"])
    in_use = _read_json(s3, accepted_bucket, accepted_key, _keys_under(s3, accepted_bucket, accepted_key)) or {}
    held_out = _keys_under(s3, holdout_bucket, holdout_prefix)

    published, refused = {}, {}
    for thing, candidate in sorted(proposed.items()):
        holdout = (_read_json(s3, holdout_bucket, f"{holdout_prefix}{thing}.json", held_out) or {}).get("scores", [])
        current = in_use.get(thing)
        if current is None:
            ok, reason, evidence = judge(candidate, board_default(table, candidate), holdout, math.inf)
        else:
            ok, reason, evidence = judge(candidate, current, holdout, max_factor)
        evidence.update({"source": candidate["source"], "fitReadings": candidate["fitReadings"]})
        if not ok:
            refused[thing] = reason
            print(json.dumps({"event": "threshold-refused", "thing": thing, "reason": reason, **evidence}))
            continue
        doc = {"state": {"desired": {"anomaly": {"threshold": candidate["threshold"]}}}}
        try:
            shadows.update_thing_shadow(thingName=thing, payload=json.dumps(doc).encode("utf-8"))
        except ClientError as failed:
            # One thing's shadow (a thing deleted since its readings, a throttle past boto3's
            # retries) must not leave the others unpublished or the thresholds in use unwritten.
            refused[thing] = "shadow-update-failed"
            error = failed.response.get("Error", {})
            print(json.dumps({"event": "threshold-refused", "thing": thing, "reason": "shadow-update-failed", "error": error.get("Code"), "message": error.get("Message"), **evidence}))
            continue
        in_use[thing] = candidate
        published[thing] = candidate["threshold"]
        print(json.dumps({"event": "threshold-published", "thing": thing, **evidence}))

    if published:
        s3.put_object(Bucket=accepted_bucket, Key=accepted_key, Body=json.dumps(in_use, sort_keys=True).encode("utf-8"))
    reasons = {}
    for reason in refused.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    count(cloudwatch, "ThresholdsRefused", reasons)
    count(cloudwatch, "ThresholdsPublished", {"accepted": len(published)} if published else {})
    return {"things": len(proposed), "published": len(published), "refused": len(refused), "thresholds": published, "refusals": refused}
