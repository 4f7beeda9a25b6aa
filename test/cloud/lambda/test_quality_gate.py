"""The quality gate in the calibration Lambda: judge() on its own, then the handler against moto
(S3 for the run's files, IoT for the shadows, CloudWatch for the counts)."""
import io
import json
import math
import re

import boto3
import pytest
from moto import mock_aws

import calibrate_thresholds as c
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


def test_no_held_out_scores_refuses_and_a_first_threshold_is_judged_against_the_board_default():
    table = load_table()
    assert g.judge({"threshold": 0.03, "rate": 0.01}, g.board_default(table, {"rate": 0.01}), [])[:2] == (False, "no-holdout")
    week = [i / 1000 for i in range(1000)]
    # The default (0.59737) flags 40.2 % of this week (scores 0.598 … 0.999) against the candidate's 1 %: a candidate on target replaces it…
    default = g.board_default(table, {"rate": 0.01})
    assert default == {"threshold": 0.59737, "rate": 0.01}
    ok, reason, evidence = g.judge({"threshold": 0.99, "rate": 0.01}, default, week)
    assert (ok, reason, evidence["currentError"]) == (True, None, 0.392)
    # …and one that flags 70 % (error 0.69) does not.
    assert g.judge({"threshold": 0.3, "rate": 0.01}, default, week)[:2] == (False, "worse-on-holdout")


def test_the_threshold_in_use_is_what_the_board_reports_with_the_published_rate_only_where_it_is_the_published_one():
    table = load_table()
    candidate = {"threshold": 0.5, "rate": 0.004}
    published = {"threshold": 0.659195, "rate": 0.001}
    default = {"threshold": table["defaultThreshold"], "rate": 0.004}
    # Nothing reported (no shadow, or a firmware that does not report its scorer): the record, else the default.
    assert g.threshold_in_use(None, published, table, candidate) == (published, "published")
    assert g.threshold_in_use(None, None, table, candidate) == (default, "default")
    # The published threshold as the board holds it: 0.6591949 and 0.659195 are one Q0.16 step (43201).
    assert g.threshold_in_use(0.6591949, published, table, candidate) == (published, "reported")
    # A board back on its default (reflashed, or it refused what was published) runs the default, whatever the record says.
    assert g.threshold_in_use(0.59737, published, table, candidate) == (default, "default")
    # One set outside the pipeline: its own rate is unknown, so it is aimed at the candidate's.
    assert g.threshold_in_use(0.25, published, table, candidate) == ({"threshold": 0.25, "rate": 0.004}, "reported")


class OneShadow:
    """A stand-in for the iot-data client holding one shadow document."""

    def __init__(self, document):
        self.document = document

    def get_thing_shadow(self, thingName):
        return {"payload": io.BytesIO(json.dumps(self.document).encode())}


@pytest.mark.parametrize(
    "reported, threshold",
    [
        ({"anomaly": {"threshold": 0.42, "knee": 20}}, 0.42),
        ({"anomaly": {"knee": 20}}, None),
        ({"anomaly": {"threshold": "0.42"}}, None),
        ({"anomaly": {"threshold": True}}, None),
        ({"anomaly": {"threshold": 0}}, None),
        ({"anomaly": None}, None),
        ({"firmware": "1.0.0"}, None),
    ],
)
def test_a_reported_threshold_counts_only_as_a_number_in_0_1(reported, threshold):
    assert g.reported_threshold(OneShadow({"state": {"reported": reported}}), "t") == threshold
    assert g.reported_threshold(OneShadow({"state": {"desired": {"anomaly": {"threshold": 0.42}}}}), "t") is None


def test_a_fitted_threshold_is_one_board_step_above_the_highest_score_the_next_reading_down_could_stand_for():
    # 1,000 scores, rate 1 %: at most 10 may reach it, so it sits above the 11th highest (0.3).
    scores = [0.9] * 10 + [0.3] + [0.1] * 989
    # The board sent 0.3 rounded to 4 decimals: it may have scored up to 0.30005, Q0.16 step 19664; one step above is 19665.
    assert c.fitted_threshold(scores, 0.01) == 19665 / 65536
    # Ties with the next one down stay below it: 10 at 0.9 and 5 more at 0.3 still puts the line above 0.3.
    assert c.fitted_threshold([0.9] * 10 + [0.3] * 6 + [0.1] * 984, 0.01) == 19665 / 65536
    # 20 at 0.9: the 11th is a 0.9, so the line goes above it and none of them is flagged.
    assert c.fitted_threshold([0.9] * 20 + [0.1] * 980, 0.01) == (math.floor(0.90005 * 65536) + 1) / 65536


def test_too_few_board_scores_or_a_share_reaching_into_the_zeros_fits_nothing():
    # 999 scores at 1 %: only 9 may be above the line, fewer than MIN_FIT_FLAGS (10).
    assert c.MIN_FIT_FLAGS == 10
    assert c.fitted_threshold([0.5] * 999, 0.01) is None
    assert c.fitted_threshold([], 0.01) is None
    # Only 5 of 2,000 readings score above 0, so no threshold flags as many as 20: one board step would flag every scoring reading.
    assert c.fitted_threshold([0.8] * 5 + [0.0] * 1995, 0.01) is None


def test_a_table_without_the_board_default_is_refused_naming_the_field(tmp_path):
    table = json.loads(open(c.TABLE_FILE, encoding="utf-8").read())
    del table["defaultThreshold"]
    path = tmp_path / "threshold_table.json"
    path.write_text(json.dumps(table))
    with pytest.raises(ValueError, match=r"defaultThreshold \(the board's own threshold\) must be a number in \(0, 1\), got None"):
        c.load_table(str(path))


def table_file(tmp_path, **changes):
    """The shipped table with `changes` made to it (a value of None drops the field), written under tmp_path."""
    table = json.loads(open(c.TABLE_FILE, encoding="utf-8").read())
    for field, value in changes.items():
        if value is None:
            del table[field]
        else:
            table[field] = value
    path = tmp_path / "threshold_table.json"
    path.write_text(json.dumps(table))
    return str(path)


def rows(*pairs):
    return [{"rate": rate, "threshold": threshold} for rate, threshold in pairs]


@pytest.mark.parametrize(
    "changes",
    [
        {"thresholds": None},
        {"thresholds": {"rate": 0.001, "threshold": 0.4}},
        {"thresholds": rows((0.001, 0.4))},
        {"thresholds": [*rows((0.001, 0.4)), [0.01, 0.3]]},
        {"config": None},
        {"config": [20]},
    ],
)
def test_a_table_without_a_config_or_two_threshold_rows_is_refused_naming_the_shape_it_needs(tmp_path, changes):
    path = table_file(tmp_path, **changes)
    with pytest.raises(ValueError, match="^" + re.escape(f"{path}: expected a config object and at least two thresholds rows ({{rate, threshold}} objects)") + "$"):
        c.load_table(path)


@pytest.mark.parametrize(
    "pairs, rates",
    [
        (((0.01, 0.4), (0.001, 0.3)), "[0.01, 0.001]"),
        (((0.001, 0.4), (0.001, 0.3)), "[0.001, 0.001]"),
        (((0, 0.4), (0.01, 0.3)), "[0, 0.01]"),
        (((0.001, 0.4), (1, 0.3)), "[0.001, 1]"),
        (((0.001, 0.4), ("0.01", 0.3)), "[0.001, '0.01']"),
        (((None, 0.4), (0.01, 0.3)), "[None, 0.01]"),
    ],
)
def test_a_table_whose_rates_are_not_ascending_shares_is_refused_with_the_rates(tmp_path, pairs, rates):
    path = table_file(tmp_path, thresholds=rows(*pairs))
    with pytest.raises(ValueError, match="^" + re.escape(f"{path}: thresholds[].rate must be shares in (0, 1), strictly ascending, got {rates}") + "$"):
        c.load_table(path)


@pytest.mark.parametrize(
    "pairs, thresholds",
    [
        (((0.001, 0.3), (0.01, 0.4)), "[0.3, 0.4]"),
        (((0.001, 1), (0.01, 0.4)), "[1, 0.4]"),
        (((0.001, 0.4), (0.01, 0)), "[0.4, 0]"),
        (((0.001, 0.4), (0.01, None)), "[0.4, None]"),
    ],
)
def test_a_table_whose_thresholds_do_not_fall_within_0_1_is_refused_with_the_thresholds(tmp_path, pairs, thresholds):
    path = table_file(tmp_path, thresholds=rows(*pairs))
    with pytest.raises(ValueError, match="^" + re.escape(f"{path}: thresholds[].threshold must be in (0, 1) and fall as the rate rises, got {thresholds}") + "$"):
        c.load_table(path)


def test_a_table_with_thresholds_that_stay_level_loads_and_an_anomaly_rate_of_no_scores_is_refused(tmp_path):
    assert c.load_table(table_file(tmp_path, thresholds=rows((0.001, 0.4), (0.01, 0.4))))["thresholds"] == [0.4, 0.4]
    with pytest.raises(ValueError, match="^no scores$"):
        c.anomaly_rate([])


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("IOT_DATA_ENDPOINT", "data-ats.iot.us-east-1.amazonaws.com")
    # The knee the shipped table was made for, as the stack sets it (DEFAULT_SCORER_CONFIG.knee).
    monkeypatch.setenv("KNEE", str(load_table()["config"]["knee"]))
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        iot = boto3.client("iot")
        for thing in ("quiet", "jumpy", "new", "low", "unseen"):
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


def event(**overrides):
    return {
        "scoresUri": f"s3://{BUCKET}/{RUN}rcf-scores/",
        "fitUri": f"s3://{BUCKET}/{RUN}fit/",
        "holdoutUri": f"s3://{BUCKET}/{RUN}holdout/",
        "acceptedUri": f"s3://{BUCKET}/ml/accepted/thresholds.json",
        **overrides,
    }


def test_handler_fits_on_the_board_scores_judges_on_the_held_out_week_publishes_what_passes_and_counts_each(aws, capsys):
    s3 = aws
    table = g.load_table()

    def put_json(key, doc):
        s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(doc).encode())

    # Every thing's RCF scores: 999 alike and one outlier, so the rate clamps to 0.1 %.
    for thing in ("quiet", "jumpy", "new", "low", "unseen"):
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}rcf-scores/{thing}.csv.out", Body=scores_file([1.0] * 999 + [50.0]))
    # Fit weeks of 20,000 board scores (20 may reach the line): the 21st highest is 0.65 for quiet and new, 0.5 for jumpy, 0.2 for low.
    fitted = round((math.floor(0.65005 * 65536) + 1) / 65536, 6)
    for thing, high in (("quiet", 0.65), ("new", 0.65), ("jumpy", 0.5), ("low", 0.2), ("unseen", 0.65)):
        put_json(f"{RUN}fit/{thing}.json", {"scores": [0.1] * 19970 + [high] * 30})
    jumpy = round((math.floor(0.50005 * 65536) + 1) / 65536, 6)
    low = round((math.floor(0.20005 * 65536) + 1) / 65536, 6)
    # Held-out weeks: quiet and new flag 1 in 1,000 at the fitted line, on target; jumpy's week crosses its line 10 % of the time; unseen has none.
    put_json(f"{RUN}holdout/quiet.json", {"scores": [0.1] * 999 + [0.7]})
    put_json(f"{RUN}holdout/new.json", {"scores": [0.1] * 999 + [0.7]})
    # low: its line is three times below the board default, and on target where the default flags nothing (0.1 % off).
    put_json(f"{RUN}holdout/low.json", {"scores": [0.1] * 999 + [0.3]})
    put_json(f"{RUN}holdout/jumpy.json", {"scores": [0.55] * 100 + [0.1] * 900})
    in_use = {"quiet": {"threshold": 0.9, "rate": 0.001}, "jumpy": {"threshold": 0.8, "rate": 0.001}}
    put_json("ml/accepted/thresholds.json", in_use)

    result = g.handler(event(), None)

    # quiet: 0.9 flags none of its week (0.1 % off), the fitted line exactly its share. new: judged against the board default, which flags the same share; not worse, so taken.
    # low: closer to its target than the default, however far from it.
    # jumpy: the fitted line flags 10 % of its week against 0.1 %, the threshold in use none of it.
    assert result["refusals"] == {"jumpy": "worse-on-holdout", "unseen": "no-holdout"}
    assert result["thresholds"] == {"quiet": fitted, "new": fitted, "low": low}
    shadows = boto3.client("iot-data", endpoint_url="https://data-ats.iot.us-east-1.amazonaws.com")
    assert json.loads(shadows.get_thing_shadow(thingName="quiet")["payload"].read())["state"]["desired"]["anomaly"] == {"threshold": fitted}
    with pytest.raises(shadows.exceptions.ResourceNotFoundException):
        shadows.get_thing_shadow(thingName="jumpy")
    accepted = json.loads(s3.get_object(Bucket=BUCKET, Key="ml/accepted/thresholds.json")["Body"].read())
    assert accepted["jumpy"] == in_use["jumpy"] and "unseen" not in accepted
    assert accepted["new"] == {"threshold": fitted, "rate": 0.001, "source": "board-scores", "fitReadings": 20000}
    assert metric_sums("ThresholdsRefused") == {"worse-on-holdout": 1, "no-holdout": 1}
    assert metric_sums("ThresholdsPublished") == {"accepted": 3}
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # A first threshold may move any distance from the default; a later one is held to the factor (test above).
    assert next(line for line in logged if line.get("thing") == "low")["factor"] > g.MAX_FACTOR
    refused_jumpy = next(line for line in logged if line.get("thing") == "jumpy")
    assert (refused_jumpy["event"], refused_jumpy["candidate"], refused_jumpy["source"]) == ("threshold-refused", jumpy, "board-scores")
    new_one = next(line for line in logged if line.get("thing") == "new")
    assert (new_one["event"], new_one["current"]) == ("threshold-published", table["defaultThreshold"])


def test_handler_falls_back_to_the_table_without_enough_board_scores_and_keeps_the_default_where_the_table_floods(aws, capsys):
    s3 = aws
    table = g.load_table()
    for thing in ("new", "quiet"):
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}rcf-scores/{thing}.csv.out", Body=scores_file([1.0] * 999 + [50.0]))
    # new has no fit file; quiet has 9,999 board scores, so only 9 could be above a 0.1 % line.
    s3.put_object(Bucket=BUCKET, Key=f"{RUN}fit/quiet.json", Body=json.dumps({"scores": [0.1] * 9999}).encode())
    # On real data the table's t(0.1 %) (0.3775) flags far more than 0.1 %: here 1 % of new's week, which the board default does not flag at all.
    s3.put_object(Bucket=BUCKET, Key=f"{RUN}holdout/new.json", Body=json.dumps({"scores": [0.45] * 10 + [0.1] * 990}).encode())
    # quiet's week scores low throughout: the table's line flags none of it, as the default does; not worse, so taken.
    s3.put_object(Bucket=BUCKET, Key=f"{RUN}holdout/quiet.json", Body=json.dumps({"scores": [0.1] * 1000}).encode())

    result = g.handler(event(), None)

    from_table = round(g.board_threshold(0.001, table), 6)
    assert from_table == 0.377533
    assert result["refusals"] == {"new": "worse-on-holdout"}
    assert result["thresholds"] == {"quiet": from_table}
    logged = {line["thing"]: line for line in map(json.loads, capsys.readouterr().out.splitlines())}
    assert (logged["new"]["source"], logged["new"]["fitReadings"], logged["new"]["candidateError"], logged["new"]["currentError"]) == ("table", 0, 0.009, 0.001)
    assert (logged["quiet"]["source"], logged["quiet"]["fitReadings"]) == ("table", 9999)


def test_a_shadow_that_refuses_its_update_is_counted_and_the_other_things_are_still_published_and_recorded(aws, capsys):
    s3 = aws
    # "gone" has readings but no thing in IoT any more (deleted since): its shadow update fails.
    for thing in ("gone", "quiet"):
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}rcf-scores/{thing}.csv.out", Body=scores_file([1.0] * 999 + [50.0]))
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}holdout/{thing}.json", Body=json.dumps({"scores": [0.1] * 1000}).encode())

    result = g.handler(event(), None)

    assert result["refusals"] == {"gone": "shadow-update-failed"}
    assert list(result["thresholds"]) == ["quiet"]
    accepted = json.loads(s3.get_object(Bucket=BUCKET, Key="ml/accepted/thresholds.json")["Body"].read())
    assert list(accepted) == ["quiet"]
    logged = {line["thing"]: line for line in map(json.loads, capsys.readouterr().out.splitlines())}
    assert (logged["gone"]["event"], logged["gone"]["reason"], logged["gone"]["error"]) == ("threshold-refused", "shadow-update-failed", "ResourceNotFoundException")
    assert metric_sums("ThresholdsRefused") == {"shadow-update-failed": 1}
    assert metric_sums("ThresholdsPublished") == {"accepted": 1}


def report_threshold(thing, threshold):
    """The board's own report of the scorer it runs, as firmware/shadow/DeviceShadow.ts sends it."""
    shadows = boto3.client("iot-data", endpoint_url="https://data-ats.iot.us-east-1.amazonaws.com")
    shadows.update_thing_shadow(thingName=thing, payload=json.dumps({"state": {"reported": {"anomaly": {"threshold": threshold, "knee": 20}}}}).encode())


def test_handler_judges_each_candidate_against_the_threshold_the_board_reports_it_runs(aws, capsys):
    s3 = aws
    boto3.client("iot").create_thing(thingName="tuned")
    for thing, high in (("tuned", 0.65), ("low", 0.2), ("quiet", 0.65)):
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}rcf-scores/{thing}.csv.out", Body=scores_file([1.0] * 999 + [50.0]))
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}fit/{thing}.json", Body=json.dumps({"scores": [0.1] * 19970 + [high] * 30}).encode())
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}holdout/{thing}.json", Body=json.dumps({"scores": [0.1] * 999 + [high + 0.05]}).encode())
    # All three were last published at 0.9; judged against that, every candidate would pass but low's (4.5× below it).
    s3.put_object(Bucket=BUCKET, Key="ml/accepted/thresholds.json", Body=json.dumps({t: {"threshold": 0.9, "rate": 0.001} for t in ("tuned", "low", "quiet")}).encode())
    # tuned: an operator set 0.25 since, so the fitted 0.65 is a 2.6× move from what it runs. low: reflashed, back on its default.
    report_threshold("tuned", 0.25)
    report_threshold("low", load_table()["defaultThreshold"])
    report_threshold("quiet", 0.9)

    result = g.handler(event(), None)

    assert result["refusals"] == {"tuned": "moved-too-far"}
    assert sorted(result["thresholds"]) == ["low", "quiet"]
    logged = {line["thing"]: line for line in map(json.loads, capsys.readouterr().out.splitlines())}
    assert {t: (line["currentFrom"], line["current"], line["reported"]) for t, line in logged.items()} == {
        "tuned": ("reported", 0.25, 0.25),
        "low": ("default", 0.59737, 0.59737),
        "quiet": ("reported", 0.9, 0.9),
    }
    assert logged["tuned"]["factor"] == round((math.floor(0.65005 * 65536) + 1) / 65536 / 0.25, 4) == 2.6002


def test_a_shadow_that_cannot_be_read_is_refused_and_counted_and_the_other_things_still_go_out(aws, monkeypatch, capsys):
    s3 = aws
    real_client = boto3.client

    def throttled_for_jumpy(service, *args, **kwargs):
        client = real_client(service, *args, **kwargs)
        if service == "iot-data":

            def note_thing(params, context, **_):
                context["thing"] = params["thingName"]

            def throttle(context, **_):
                if context["thing"] == "jumpy":
                    return type("Throttled", (), {"status_code": 429})(), {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
                return None

            client.meta.events.register("before-parameter-build.iot-data.GetThingShadow", note_thing)
            client.meta.events.register("before-call.iot-data.GetThingShadow", throttle)
        return client

    monkeypatch.setattr(boto3, "client", throttled_for_jumpy)
    for thing in ("jumpy", "quiet"):
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}rcf-scores/{thing}.csv.out", Body=scores_file([1.0] * 999 + [50.0]))
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}holdout/{thing}.json", Body=json.dumps({"scores": [0.1] * 1000}).encode())

    result = g.handler(event(), None)

    assert result["refusals"] == {"jumpy": "shadow-read-failed"}
    assert list(result["thresholds"]) == ["quiet"]
    logged = {line["thing"]: line for line in map(json.loads, capsys.readouterr().out.splitlines())}
    assert (logged["jumpy"]["event"], logged["jumpy"]["error"], logged["jumpy"]["message"]) == ("threshold-refused", "ThrottlingException", "Rate exceeded")
    assert metric_sums("ThresholdsRefused") == {"shadow-read-failed": 1}


def test_files_a_thing_lacks_are_listed_as_missing_not_probed_so_s3s_access_denied_for_them_does_not_fail_the_run(aws, monkeypatch):
    s3 = aws
    # S3 answers a GetObject of a missing key with 403 AccessDenied to a role without s3:ListBucket on
    # the bucket (the GetObject API reference); moto answers NoSuchKey, so its client is made to answer as S3 would.
    real_client = boto3.client

    def as_s3_answers(service, *args, **kwargs):
        client = real_client(service, *args, **kwargs)
        if service == "s3":

            def note_object(params, context, **_):
                context["object"] = (params["Bucket"], params["Key"])

            def deny_missing(context, **_):
                bucket, key = context["object"]
                if not any(obj["Key"] == key for obj in client.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])):
                    return type("Denied", (), {"status_code": 403})(), {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}
                return None

            client.meta.events.register("before-parameter-build.s3.GetObject", note_object)
            client.meta.events.register("before-call.s3.GetObject", deny_missing)
        return client

    monkeypatch.setattr(boto3, "client", as_s3_answers)
    # No accepted thresholds yet, no fit file, and "unseen" has no held-out week either.
    for thing in ("quiet", "unseen"):
        s3.put_object(Bucket=BUCKET, Key=f"{RUN}rcf-scores/{thing}.csv.out", Body=scores_file([1.0] * 999 + [50.0]))
    s3.put_object(Bucket=BUCKET, Key=f"{RUN}holdout/quiet.json", Body=json.dumps({"scores": [0.1] * 1000}).encode())
    with pytest.raises(boto3.client("s3").exceptions.ClientError, match="AccessDenied"):
        boto3.client("s3").get_object(Bucket=BUCKET, Key=f"{RUN}fit/quiet.json")

    result = g.handler(event(), None)

    assert result["refusals"] == {"unseen": "no-holdout"}
    assert list(result["thresholds"]) == ["quiet"]


def test_handler_refuses_a_knee_the_table_was_not_made_for(aws, monkeypatch):
    monkeypatch.setenv("KNEE", "30")
    with pytest.raises(ValueError, match="KNEE is '30'"):
        g.handler(event(acceptedUri=f"s3://{BUCKET}/a.json"), None)


def test_handler_names_a_scores_folder_with_no_score_file(aws):
    with pytest.raises(RuntimeError, match=f"no per-thing score files under s3://{BUCKET}/ml/output/none/"):
        g.handler(event(scoresUri=f"s3://{BUCKET}/ml/output/none/"), None)


def test_handler_refuses_a_scores_uri_that_is_not_s3(aws):
    with pytest.raises(ValueError, match="not an s3:// URI: '/tmp/scores'"):
        g.handler(event(scoresUri="/tmp/scores"), None)
