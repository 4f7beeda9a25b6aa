"""Turns Random Cut Forest scores into the board scorer's threshold and publishes it to each thing's
Device Shadow (desired.anomaly), as firmware/anomaly/ScorerConfig.ts expects it.

The two scores are on different scales, so what carries over is a rate, not a value:
1. RCF's documented convention calls a score anomalous above mean + 3 standard deviations; the
   share of the thing's readings above that line is the anomaly rate p the fleet should alert at
   (clamped, so one clean or one noisy week does not silence or flood a board).
2. The threshold is t(p): the lowest threshold that at most a share p of the board's scores reach.
   The board sends its score with every reading, so t(p) is fitted on the thing's own scores of
   the weeks before the held-out week (fitted_threshold). The board's score is the rise of the
   surprise z / (z + knee) above a decaying peak, the larger of two models', with purpose-built
   tests beside them (docs/anomaly-scorer.md); no closed form takes a rate to a threshold for it.
3. A thing with too few scores of its own for p (fewer than MIN_FIT_FLAGS readings would be
   above the line) gets t(p) from threshold_table.json instead, shipped beside this file: the
   same definition measured by running the board's float twin with its default config over a long
   synthetic series (Gaussian noise around a daily cycle; host-tools/analysis/scorer/ThresholdTable.ts
   made it), interpolated linearly in log p and clamped at its ends. Real data is not noise: on
   the Beijing and UCI air-quality records `npm run bench:scorer` reads, the table's t(0.1 %)
   flags 0.84 % of the readings, 8.4 times its rate, which is why the board's own scores come
   first and why the quality gate (quality_gate.py) judges every candidate, a first one
   included, on a held-out week of the board's scores before it publishes it.

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
# A fitted threshold is one step above the (floor(p·n) + 1)-th highest score; with fewer readings
# above it than this, the share it flags next week is mostly luck.
MIN_FIT_FLAGS = 10
# The board compares Q0.16 scores (steps of 1/65536); its telemetry rounds each to 4 decimals
# (firmware/telemetry/TelemetryRecord.ts), so a sent score stands for any board score within half a 1e-4 of it.
SCORE_STEPS = 65536
SENT_SCORE_HALF_STEP = 0.00005


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
    default = table.get("defaultThreshold")
    if not isinstance(default, (int, float)) or isinstance(default, bool) or not 0 < default < 1:
        raise ValueError(f"{path}: defaultThreshold (the board's own threshold) must be a number in (0, 1), got {default!r}")
    return {"rates": rates, "thresholds": thresholds, "config": config, "defaultThreshold": default}


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


def fitted_threshold(board_scores, rate):
    """t(rate) on the board's own scores: the lowest threshold on the board's Q0.16 grid that at
    most floor(rate · n) of them reach, one step above the highest board score the next one down
    could stand for, so ties there stay below it. None when fewer than MIN_FIT_FLAGS scores would
    be above it, or when the next score down is 0 (the board scores most readings 0, and a
    threshold of one step would flag every reading that scores at all)."""
    allowed = math.floor(rate * len(board_scores))
    if allowed < MIN_FIT_FLAGS:
        return None
    next_down = sorted(board_scores, reverse=True)[allowed]
    if next_down <= 0:
        return None
    step = math.floor((next_down + SENT_SCORE_HALF_STEP) * SCORE_STEPS) + 1
    return min(step, SCORE_STEPS - 1) / SCORE_STEPS


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
