"""The calibration Lambda's handler: each thing's candidate threshold from this run's RCF scores
and the board's own scores of the weeks before the held-out one (calibrate_thresholds.py), judged
against the threshold the board uses now on a held-out week of the board's own scores, and
published to the Device Shadow only when it passes.

The threshold in use is what the board reports in its shadow (state.reported.anomaly.threshold,
firmware/shadow/DeviceShadow.ts): a board may not have applied what was published last (offline
since, or reflashed back to its default), and a threshold may have been set outside the pipeline
(an operator's desired state, a patch from `aqm train`). Where the board reports the threshold
last published (ml/accepted/thresholds.json), that record's target rate comes with it; where it
reports another, the candidate's rate is the target; where it reports none (no shadow yet, or a
firmware that does not report its scorer), the record stands in, and failing that the default.

The board's score does not depend on its threshold (the threshold is only compared with it), so
the scores a board sent over the last week say what share of readings any threshold would have
flagged. A threshold is meant to flag its target share p (the rate RCF's scores gave it), so its
error on the week is |share flagged - p|. A candidate is refused when:
  * there is no board score of the thing in the held-out week (nothing to judge it on);
  * it moves more than MAX_FACTOR times up or down from the threshold in use (a model that has
    gone wrong, or data that changed, deserves a person's look before the board goes quiet or loud);
  * its error on the week is worse than the threshold in use by more than TOLERANCE;
  * its shadow cannot be read (shadow-read-failed: what the board runs is unknown, so there is
    nothing to judge against; a missing shadow is not a failure);
  * or, having passed, the thing's shadow refuses the update (shadow-update-failed), so it is not
    recorded as in use.
A board running its default (the table's defaultThreshold, DEFAULT_SCORER_CONFIG.threshold) has
its candidate judged against that, aimed at the candidate's own rate: a board is only moved off
its default by a threshold that flags closer to the target on its own week. The default was
chosen on other boards' data, so how far a candidate moves from it is no sign of a model gone
wrong, and MAX_FACTOR does not apply to it. Every refusal is logged as one JSON line and counted
(CloudWatch aqm/Pipeline ThresholdsRefused, by Reason), and so are the thresholds published; the
accepted ones are written back to the accepted-thresholds object.
"""
import json
import math
import os
import re

from botocore.exceptions import ClientError

from calibrate_thresholds import SCORE_STEPS, anomaly_rate, board_threshold, check_knee, fitted_threshold, load_table, parse_scores, thing_of

MAX_FACTOR = 2.0
TOLERANCE = 0.001
METRIC_NAMESPACE = "aqm/Pipeline"
REASONS = ("no-holdout", "moved-too-far", "worse-on-holdout", "shadow-read-failed", "shadow-update-failed")


def flagged_share(scores, threshold):
    """The share of the board's scores at or above the threshold, as the board compares them."""
    return sum(1 for s in scores if s >= threshold) / len(scores)


def board_default(table, candidate):
    """The board's own threshold, which it runs until it applies one published to it, aimed at the candidate's rate."""
    return {"threshold": table["defaultThreshold"], "rate": candidate["rate"]}


def same_on_board(a, b):
    """Whether a and b are one threshold to the board, which rounds each to its Q0.16 grid (firmware/anomaly/Q16.ts thresholdQ16)."""
    return round(a * SCORE_STEPS) == round(b * SCORE_STEPS)


def reported_threshold(shadows, thing):
    """state.reported.anomaly.threshold of the thing's classic shadow, or None when it has no
    shadow or reports no threshold in (0, 1). Any other failure to read it raises ClientError."""
    try:
        document = json.loads(shadows.get_thing_shadow(thingName=thing)["payload"].read())
    except ClientError as failed:
        if failed.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    anomaly = ((document.get("state") or {}).get("reported") or {}).get("anomaly")
    value = anomaly.get("threshold") if isinstance(anomaly, dict) else None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1 else None


def threshold_in_use(reported, published, table, candidate):
    """(current, current_from) for judge(): what the board reports it runs (reported, or None),
    with the rate of the threshold last published (published, or None) where it is that one.
    current_from is "reported", "published" (the board reports none) or "default"."""
    default = board_default(table, candidate)
    if reported is None:
        return (published, "published") if published is not None else (default, "default")
    if same_on_board(reported, default["threshold"]):
        return default, "default"
    if published is not None and same_on_board(reported, published["threshold"]):
        return published, "reported"
    return {"threshold": reported, "rate": candidate["rate"]}, "reported"


def judge(candidate, current, holdout, max_factor=MAX_FACTOR, tolerance=TOLERANCE):
    """candidate / current: {"threshold", "rate"} (current from threshold_in_use()); holdout: the board's scores of the held-out week. Returns (accepted, reason, evidence)."""
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
    record = _read_json(s3, accepted_bucket, accepted_key, _keys_under(s3, accepted_bucket, accepted_key)) or {}
    held_out = _keys_under(s3, holdout_bucket, holdout_prefix)

    published, refused = {}, {}

    def refuse(thing, reason, evidence, failed=None):
        refused[thing] = reason
        if failed is not None:
            error = failed.response.get("Error", {})
            evidence = {**evidence, "error": error.get("Code"), "message": error.get("Message")}
        print(json.dumps({"event": "threshold-refused", "thing": thing, "reason": reason, **evidence}))

    for thing, candidate in sorted(proposed.items()):
        fit = {"source": candidate["source"], "fitReadings": candidate["fitReadings"]}
        try:
            reported = reported_threshold(shadows, thing)
        except ClientError as failed:
            refuse(thing, "shadow-read-failed", fit, failed)
            continue
        current, current_from = threshold_in_use(reported, record.get(thing), table, candidate)
        holdout = (_read_json(s3, holdout_bucket, f"{holdout_prefix}{thing}.json", held_out) or {}).get("scores", [])
        ok, reason, evidence = judge(candidate, current, holdout, math.inf if current_from == "default" else max_factor)
        evidence.update({**fit, "currentFrom": current_from, "reported": reported})
        if not ok:
            refuse(thing, reason, evidence)
            continue
        doc = {"state": {"desired": {"anomaly": {"threshold": candidate["threshold"]}}}}
        try:
            shadows.update_thing_shadow(thingName=thing, payload=json.dumps(doc).encode("utf-8"))
        except ClientError as failed:
            # One thing's shadow (a thing deleted since its readings, a throttle past boto3's
            # retries) must not leave the others unpublished or the thresholds in use unwritten.
            refuse(thing, "shadow-update-failed", evidence, failed)
            continue
        record[thing] = candidate
        published[thing] = candidate["threshold"]
        print(json.dumps({"event": "threshold-published", "thing": thing, **evidence}))

    if published:
        s3.put_object(Bucket=accepted_bucket, Key=accepted_key, Body=json.dumps(record, sort_keys=True).encode("utf-8"))
    reasons = {}
    for reason in refused.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    count(cloudwatch, "ThresholdsRefused", reasons)
    count(cloudwatch, "ThresholdsPublished", {"accepted": len(published)} if published else {})
    return {"things": len(proposed), "published": len(published), "refused": len(refused), "thresholds": published, "refusals": refused}
