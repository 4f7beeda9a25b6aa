"""Turns Random Cut Forest scores into the board scorer's threshold and publishes it to each thing's
Device Shadow (desired.anomaly), as firmware/anomaly/ScorerConfig.ts expects it.

The two scores are on different scales, so what carries over is a rate, not a value:
1. RCF's documented convention calls a score anomalous above mean + 3 standard deviations; the
   share of the thing's readings above that line is the anomaly rate p the fleet should alert at
   (clamped, so one clean or one noisy week does not silence or flood a board).
2. The board's score is the rise of the surprise z / (z + knee) above a decaying peak of recent
   surprises, the larger of two models' (the level's recent mean and an hour-of-day profile;
   docs/anomaly-scorer.md). No closed form takes a rate to
   a threshold for that score, so threshold_table.json, shipped beside this file, holds t(p): the
   lowest threshold that at most a share p of the board's scores reach, measured by running its float
   twin with the board's default config over a long synthetic series (Gaussian noise around a daily
   cycle; host-tools/analysis/scorer/ThresholdTable.ts made it). The published threshold is t(p),
   interpolated linearly in log p between the table's rates and clamped at its ends.

The assumption: on the thing's own data, the board's score is distributed as on the table's
synthetic series, so t(p) flags about the share p there too. Real pollution has bursts and drifts
that noise does not, so the board is likely to flag more than p; the clamp bounds the damage.
`aqm train` replays the board's scorer on the thing's real readings and fits its threshold there
instead. The Lambda handler (quality_gate.py) judges each threshold made here on the board's own
scores of a held-out week before it publishes it.

The table holds for the scorer config it was made with. Only the threshold is published, so the
board keeps its other settings; a KNEE other than the table's is refused rather than paired with a
threshold measured for another knee.
"""
import bisect
import json
import math
import os
import re
from statistics import fmean, pstdev

SIGMAS = 3.0
MIN_RATE = 0.001
# On plain noise about 12 % of the board's readings score above 0 at all; 2 % is the table's top.
MAX_RATE = 0.02
THING_NAME = re.compile(r"^[a-zA-Z0-9:_-]{1,128}$")
SCORE_SUFFIX = ".csv.out"
TABLE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "threshold_table.json")


def load_table(path=TABLE_FILE):
    """The rate grid (ascending) and thresholds (descending) of threshold_table.json, and its scorer config."""
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    rows = table.get("thresholds")
    config = table.get("config")
    if not isinstance(rows, list) or len(rows) < 2 or not all(isinstance(row, dict) for row in rows) or not isinstance(config, dict):
        raise ValueError(f"{path}: expected a config object and at least two thresholds rows ({{rate, threshold}} objects)")
    rates = [row.get("rate") for row in rows]
    thresholds = [row.get("threshold") for row in rows]
    if not all(isinstance(r, (int, float)) and 0 < r < 1 for r in rates) or any(a >= b for a, b in zip(rates, rates[1:])):
        raise ValueError(f"{path}: thresholds[].rate must be shares in (0, 1), strictly ascending, got {rates}")
    if not all(isinstance(t, (int, float)) and 0 < t < 1 for t in thresholds) or any(a < b for a, b in zip(thresholds, thresholds[1:])):
        raise ValueError(f"{path}: thresholds[].threshold must be in (0, 1) and fall as the rate rises, got {thresholds}")
    return {"rates": rates, "thresholds": thresholds, "config": config}


def parse_scores(text):
    """Batch-transform output, one JSON object per line: {"score": <float>}."""
    return [float(json.loads(line)["score"]) for line in text.splitlines() if line.strip()]


def anomaly_rate(scores, sigmas=SIGMAS):
    if not scores:
        raise ValueError("no scores")
    cutoff = fmean(scores) + sigmas * pstdev(scores)
    above = sum(1 for s in scores if s > cutoff)
    return min(MAX_RATE, max(MIN_RATE, above / len(scores)))


def board_threshold(rate, table):
    """t(rate), linear in log(rate) between the table's rates, and the end value beyond them."""
    rates, thresholds = table["rates"], table["thresholds"]
    if rate <= rates[0]:
        return thresholds[0]
    if rate >= rates[-1]:
        return thresholds[-1]
    i = bisect.bisect_right(rates, rate) - 1
    share = (math.log(rate) - math.log(rates[i])) / (math.log(rates[i + 1]) - math.log(rates[i]))
    return thresholds[i] + (thresholds[i + 1] - thresholds[i]) * share


def check_knee(knee_setting, table):
    """The KNEE setting (a string, or None when unset) must be the table's knee."""
    table_knee = table["config"].get("knee")
    if knee_setting is not None and knee_setting.strip() != str(table_knee):
        raise ValueError(
            f"KNEE is {knee_setting!r}, but threshold_table.json was made for knee {table_knee}: its thresholds do not hold for "
            "another knee. Regenerate the table for that scorer config (host-tools/analysis/scorer/ThresholdTable.ts) or fit the "
            "threshold on the thing's data with `aqm train`."
        )


def shadow_update(scores, table):
    """The Device Shadow document for one thing: only the threshold, a ScorerConfig field the board checks."""
    threshold = board_threshold(anomaly_rate(scores), table)
    # Six decimals are finer than the board's 1/65536 step, so it still lands on the table's Q0.16 value.
    return {"state": {"desired": {"anomaly": {"threshold": round(threshold, 6)}}}}


def thing_of(key):
    """`.../rcf-scores/<thing>.csv.out` -> thing, or None for any other object."""
    name = key.rsplit("/", 1)[-1]
    if not name.endswith(SCORE_SUFFIX):
        return None
    thing = name[: -len(SCORE_SUFFIX)]
    return thing if THING_NAME.match(thing) else None


if __name__ == "__main__":
    # Offline check used by test/cloud: scores on stdin (one JSON line each), the shadow document on stdout.
    import sys

    offline_table = load_table()
    try:
        check_knee(os.environ.get("KNEE"), offline_table)
    except ValueError as refused:
        sys.exit(f"calibrate_thresholds: {refused}")
    print(json.dumps(shadow_update(parse_scores(sys.stdin.read()), offline_table)))
