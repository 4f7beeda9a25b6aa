"""Turns Random Cut Forest scores into the board scorer's threshold and publishes it to each thing's
Device Shadow (desired.anomaly), as firmware/anomaly/ScorerConfig.ts expects it.

The two scores are on different scales, so what carries over is a rate, not a value:
1. RCF's documented convention calls a score anomalous above mean + 3 standard deviations; the
   share of the thing's readings above that line is the anomaly rate p the fleet should alert at
   (clamped, so one clean or one noisy week does not silence or flood a board).
2. The board scores z = |x - mean| / MAD as z / (z + knee). For Gaussian noise |x - mean| / sigma
   is half-normal and MAD = sigma * sqrt(2 / pi), so the z exceeded with probability p is
   z_p = inv_cdf(1 - p / 2) / sqrt(2 / pi), and the threshold that flags the same share is
   z_p / (z_p + knee). The Gaussian assumption is the weak link; the clamp bounds its damage.
"""
import json
import math
import os
import re
from statistics import NormalDist, fmean, pstdev

SIGMAS = 3.0
MIN_RATE = 0.001
MAX_RATE = 0.05
THING_NAME = re.compile(r"^[a-zA-Z0-9:_-]{1,128}$")
SCORE_SUFFIX = ".csv.out"


def parse_scores(text):
    """Batch-transform output, one JSON object per line: {"score": <float>}."""
    return [float(json.loads(line)["score"]) for line in text.splitlines() if line.strip()]


def anomaly_rate(scores, sigmas=SIGMAS):
    if not scores:
        raise ValueError("no scores")
    cutoff = fmean(scores) + sigmas * pstdev(scores)
    above = sum(1 for s in scores if s > cutoff)
    return min(MAX_RATE, max(MIN_RATE, above / len(scores)))


def board_threshold(rate, knee):
    z = NormalDist().inv_cdf(1 - rate / 2) / math.sqrt(2 / math.pi)
    return round(z / (z + knee), 4)


def shadow_update(scores, knee):
    """The Device Shadow document for one thing: only ScorerConfig fields, which the board checks."""
    rate = anomaly_rate(scores)
    return {"state": {"desired": {"anomaly": {"threshold": board_threshold(rate, knee), "knee": knee}}}}


def thing_of(key):
    """`.../rcf-scores/<thing>.csv.out` -> thing, or None for any other object."""
    name = key.rsplit("/", 1)[-1]
    if not name.endswith(SCORE_SUFFIX):
        return None
    thing = name[: -len(SCORE_SUFFIX)]
    return thing if THING_NAME.match(thing) else None


def handler(event, _context):
    # boto3 is imported here, not at the top, so the maths above imports without it in the offline tests.
    import boto3

    match = re.match(r"^s3://([^/]+)/(.+)$", event["scoresUri"])
    if not match:
        raise ValueError(f"scoresUri is not an s3:// URI: {event['scoresUri']}")
    bucket, prefix = match.group(1), match.group(2)
    knee = int(os.environ.get("KNEE", "20"))
    s3 = boto3.client("s3")
    shadows = boto3.client("iot-data", endpoint_url=f"https://{os.environ['IOT_DATA_ENDPOINT']}")
    published = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            thing = thing_of(obj["Key"])
            if thing is None:
                continue
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode("utf-8")
            scores = parse_scores(body)
            if not scores:
                continue
            doc = shadow_update(scores, knee)
            shadows.update_thing_shadow(thingName=thing, payload=json.dumps(doc).encode("utf-8"))
            published[thing] = doc["state"]["desired"]["anomaly"]["threshold"]
    if not published:
        raise RuntimeError(f"no per-thing score files under {event['scoresUri']}")
    return {"things": len(published), "thresholds": published}


if __name__ == "__main__":
    # Offline check used by test/cloud: scores on stdin (one JSON line each), the shadow document on stdout.
    import sys

    print(json.dumps(shadow_update(parse_scores(sys.stdin.read()), int(os.environ.get("KNEE", "20")))))
