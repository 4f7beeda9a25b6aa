"""publish_model_results against moto's S3: a run's input and output in, tables and documents out."""
import io
import json
import os
import re
import sys

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "cloud", "results"))
import publish_model_results as p  # noqa: E402

BUCKET = "curated"
RUN = "run-1"
H = 3_600_000
# 2026-11-22 00:00:00 UTC
T0 = 1795305600000
ARGS = {
    "bucket": BUCKET,
    "run_id": RUN,
    "forecasts_prefix": "curated/forecasts/",
    "scores_prefix": "curated/anomaly-scores/",
    "serving_prefix": "serving/forecasts/",
    "telemetry_prefix": "curated/telemetry/",
    "holdout_days": "7",
    "fit_days": "14",
    # The run's folders as the state machine passes them; named unlike the stack's (cloud/lib/runPaths.ts), so a folder the job named itself would show.
    "deepar_infer": f"t/{RUN}/context/",
    "deepar_forecasts": f"t/{RUN}/forecast-out/",
    "rcf_keys": f"t/{RUN}/row-ts/",
    "rcf_scores": f"t/{RUN}/score-out/",
    "holdout": f"t/{RUN}/judge-on/",
    "fit": f"t/{RUN}/fit-on/",
}


def prediction(base, hours=24):
    mean = [base + i for i in range(hours)]
    return {"mean": mean, "quantiles": {"0.1": [m - 1 for m in mean], "0.5": mean, "0.9": [m + 2 for m in mean]}}


def parquet_of(rows):
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out)
    return out.getvalue()


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def put(s3, key, text):
    s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode("utf-8") if isinstance(text, str) else text)


def read_parquet(s3, key):
    return pq.read_table(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())).to_pylist()


def write_run(s3):
    # Two series: a's PM2.5 has 3 hourly values from T0 (its forecast starts at T0 + 3 h), b's O3 has 23 (it starts at T0 + 23 h).
    infer = [{"start": "2026-11-22 00:00:00", "target": [5, 6, 7], "id": "a/pm2_5_ugm3"}, {"start": "2026-11-22 00:00:00", "target": [1] * 23, "id": "b/o3_ppb"}]
    put(s3, f"{ARGS['deepar_infer']}infer.jsonl", "".join(json.dumps(s) + "\n" for s in infer))
    put(s3, f"{ARGS['deepar_forecasts']}infer.jsonl.out", json.dumps(prediction(10)) + "\n" + json.dumps(prediction(40)) + "\n")
    # Thing a: 20 readings, the last one far above the rest; RCF's scores line up with the keys file by line.
    times = [T0 + i * 60_000 for i in range(20)]
    put(s3, f"{ARGS['rcf_keys']}a.csv", "".join(f"{t}\n" for t in times))
    put(s3, f"{ARGS['rcf_scores']}a.csv.out", "".join(json.dumps({"score": 1.0 + 0.01 * (i % 3)}) + "\n" for i in range(19)) + json.dumps({"score": 9.0}) + "\n")


def test_forecasts_are_joined_to_their_series_and_start_after_the_last_target_hour(s3):
    write_run(s3)
    counts = p.publish(s3, ARGS, T0 + 30 * H)
    assert counts["forecastRows"] == 48 and counts["forecastThings"] == 2
    day1 = read_parquet(s3, f"curated/forecasts/date=2026-11-22/{RUN}.parquet")
    day2 = read_parquet(s3, f"curated/forecasts/date=2026-11-23/{RUN}.parquet")
    a = sorted((r for r in day1 + day2 if r["thing"] == "a"), key=lambda r: r["step"])
    assert [r["channel"] for r in a] == ["pm2_5_ugm3"] * 24
    assert a[0]["hour_ts"] == T0 + 3 * H and a[0]["mean"] == 10 and a[0]["p10"] == 9 and a[0]["p90"] == 12
    # 21 of a's hours fall on the 22nd, the last 3 on the 23rd; b starts at 23:00 on the 22nd.
    assert sum(1 for r in day1 if r["thing"] == "a") == 21
    b = [r for r in day1 if r["thing"] == "b"]
    assert len(b) == 1 and b[0]["hour_ts"] == T0 + 23 * H and b[0]["mean"] == 40
    assert {r["run_id"] for r in day1 + day2} == {RUN} and {r["issued_at"] for r in day1} == {T0 + 30 * H}


def test_the_serving_document_has_the_shape_aqm_forecast_prints(s3):
    write_run(s3)
    p.publish(s3, ARGS, T0 + 30 * H)
    doc = json.loads(s3.get_object(Bucket=BUCKET, Key="serving/forecasts/a.json")["Body"].read())
    assert len(doc) == 1
    assert doc[0]["id"] == "a/pm2_5_ugm3" and doc[0]["start"] == "2026-11-22T03:00:00.000Z" and doc[0]["freq"] == "H"
    assert doc[0]["predictions"][0]["mean"] == prediction(10)["mean"]
    assert doc[0]["predictions"][0]["quantiles"]["0.9"][0] == 12


def test_scores_are_joined_to_their_readings_and_flagged_above_mean_plus_three_sd(s3):
    write_run(s3)
    put(s3, "curated/anomaly-scores/date=2026-11-22/old-run-part.parquet", parquet_of([{"thing": "a", "ts": 1}]))
    counts = p.publish(s3, ARGS, T0 + 30 * H)
    rows = read_parquet(s3, "curated/anomaly-scores/date=2026-11-22/scores.parquet")
    assert [r["ts"] for r in rows] == [T0 + i * 60_000 for i in range(20)]
    assert [r["ts"] for r in rows if r["anomalous"]] == [T0 + 19 * 60_000]
    assert counts["anomalous"] == 1 and counts["scoreRows"] == 20
    # The run scored the day again: the earlier run's file for it is gone.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="curated/anomaly-scores/")["Contents"]]
    assert keys == ["curated/anomaly-scores/date=2026-11-22/scores.parquet"]


def test_held_out_week_scores_come_from_the_last_days_and_fit_scores_from_the_days_before_them(s3):
    write_run(s3)

    def day(date, thing, *scores):
        put(s3, f"curated/telemetry/date={date}/thing={thing}/part-0.parquet", parquet_of([{"ts": T0, "anomaly": a} for a in scores]))

    # Now is 2026-11-23 06:00: the held-out week is 2026-11-16 on, the 14 fit days 2026-11-02 … 2026-11-15.
    day("2026-11-20", "a", 0.01, None)
    day("2026-11-22", "a", 0.03)
    day("2026-11-16", "b", 0.5)
    day("2026-11-15", "a", 0.2)
    day("2026-11-02", "a", 0.4, 0.6)
    day("2026-11-01", "a", 0.9)
    counts = p.publish(s3, ARGS, T0 + 30 * H)
    assert (counts["holdoutThings"], counts["fitThings"]) == (2, 1)
    assert (counts["holdoutUri"], counts["fitUri"]) == (f"s3://{BUCKET}/t/{RUN}/judge-on/", f"s3://{BUCKET}/t/{RUN}/fit-on/")

    def read(folder, name):
        return json.loads(s3.get_object(Bucket=BUCKET, Key=ARGS[folder] + name)["Body"].read())

    assert read("holdout", "a.json") == {"since": "2026-11-16", "scores": [0.01, 0.03]}
    assert read("holdout", "b.json") == {"since": "2026-11-16", "scores": [0.5]}
    # The day the held-out week starts is not fitted on, nor the day before the fit days.
    assert sorted(read("fit", "a.json")["scores"]) == [0.2, 0.4, 0.6]
    assert {k: v for k, v in read("fit", "a.json").items() if k != "scores"} == {"from": "2026-11-02", "until": "2026-11-16"}
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{ARGS['fit']}b.json")


def test_output_that_does_not_line_up_with_its_input_is_refused_naming_the_mismatch(s3):
    write_run(s3)
    put(s3, f"{ARGS['deepar_forecasts']}infer.jsonl.out", json.dumps(prediction(10)) + "\n")
    with pytest.raises(p.ResultsMismatch, match="1 forecasts for 2 input series"):
        p.publish(s3, ARGS, T0)
    write_run(s3)
    put(s3, f"{ARGS['rcf_keys']}a.csv", f"{T0}\n")
    with pytest.raises(p.ResultsMismatch, match="a: 20 RCF scores for 1 scored readings"):
        p.publish(s3, ARGS, T0)


def test_each_forecast_file_is_joined_to_the_input_file_it_is_named_after_and_a_run_without_one_is_refused(s3):
    write_run(s3)
    # A second input file (the transform writes one <name>.out per input object): c's series, forecast from 70.
    put(s3, f"{ARGS['deepar_infer']}more.jsonl", json.dumps({"start": "2026-11-22 00:00:00", "target": [2, 3], "id": "c/co_ppb"}) + "\n")
    put(s3, f"{ARGS['deepar_forecasts']}more.jsonl.out", json.dumps(prediction(70)) + "\n")
    counts = p.publish(s3, ARGS, T0 + 30 * H)
    assert (counts["forecastRows"], counts["forecastThings"]) == (72, 3)
    doc = json.loads(s3.get_object(Bucket=BUCKET, Key="serving/forecasts/c.json")["Body"].read())
    assert (doc[0]["start"], doc[0]["predictions"][0]["mean"][0]) == ("2026-11-22T02:00:00.000Z", 70)
    for name in ("infer.jsonl.out", "more.jsonl.out"):
        s3.delete_object(Bucket=BUCKET, Key=ARGS["deepar_forecasts"] + name)
    with pytest.raises(p.ResultsMismatch, match=f"no DeepAR output \\(<input>.out\\) under s3://{BUCKET}/t/{RUN}/forecast-out/"):
        p.publish(s3, ARGS, T0 + 30 * H)


def test_a_malformed_forecast_line_is_refused_with_its_line_number():
    with pytest.raises(p.ResultsMismatch, match="output line 1: quantile 0.9 has 1 values, the mean 2"):
        p.forecast_rows('{"start": "2026-11-22 00:00:00", "target": [1], "id": "a/co_ppb"}\n', json.dumps({"mean": [1, 2], "quantiles": {"0.1": [1, 2], "0.5": [1, 2], "0.9": [1]}}), RUN, 0)
    with pytest.raises(p.ResultsMismatch, match="input series 1: id 'nothing' is not <thing>/<channel>"):
        p.forecast_rows('{"start": "2026-11-22 00:00:00", "target": [1], "id": "nothing"}\n', json.dumps(prediction(1)), RUN, 0)


def test_an_input_series_line_that_is_not_json_is_refused_with_its_series_number():
    infer = '{"start": "2026-11-22 00:00:00", "target": [1], "id": "a/co_ppb"}\n\n{"start": "2026-11-22 00:00:00", "target": [1], "id": "b/co_ppb"}\n{"start": \n'
    with pytest.raises(p.ResultsMismatch, match=r"^input series 3: not JSON \(Expecting value\)$"):
        p.forecast_rows(infer, "\n".join(json.dumps(prediction(1)) for _ in range(3)), RUN, 0)


def test_an_input_series_that_is_json_but_not_an_object_is_refused_with_its_series_number():
    with pytest.raises(p.ResultsMismatch, match=r"^input series 2: expected a JSON object, got list$"):
        p.forecast_rows('{"start": "2026-11-22 00:00:00", "target": [1], "id": "a/co_ppb"}\n[1]\n', "\n".join(json.dumps(prediction(1)) for _ in range(2)), RUN, 0)


@pytest.mark.parametrize(
    "keys, scores, message",
    [
        ("1\n2\n", '{"score": 1.0}\n{"score": "high"}\n', r'^a: score line 2: expected \{"score": <number>\}$'),
        ("1\n2\n", '{"score": 1.0}\n[2]\n', r'^a: score line 2: expected \{"score": <number>\}$'),
        ("1\n2\n", '{"score": 1.0}\n{score: 2}\n', r"^a: score line 2: not JSON \(Expecting property name enclosed in double quotes\)$"),
        ("1\n\n2.5\n", '{"score": 1.0}\n{"score": 2.0}\n', r"^a: keys line 2: '2.5' is not a reading ts \(ms since the epoch\)$"),
    ],
)
def test_a_score_or_keys_line_that_is_not_what_the_job_wrote_is_refused_naming_the_thing_and_line(keys, scores, message):
    with pytest.raises(p.ResultsMismatch, match=message):
        p.score_rows("a", keys, scores, RUN)


def test_an_output_line_that_is_not_json_or_not_a_forecast_is_refused_with_its_line_number():
    infer = '{"start": "2026-11-22 00:00:00", "target": [1], "id": "a/co_ppb"}\n{"start": "2026-11-22 00:00:00", "target": [1], "id": "b/co_ppb"}\n'
    with pytest.raises(p.ResultsMismatch, match=r"^output line 2: not JSON \(Expecting property name enclosed in double quotes\)$"):
        p.forecast_rows(infer, json.dumps(prediction(1)) + "\n{'mean': [1]}\n", RUN, 0)
    expected = r'expected \{"mean": \[\.\.\.\], "quantiles": \{\.\.\.\}\}$'
    for wrong in ([1, 2], {"mean": [1]}, {"mean": 1, "quantiles": {}}, {"predictions": [prediction(1), prediction(2)]}):
        with pytest.raises(p.ResultsMismatch, match="^output line 2: " + expected):
            p.forecast_rows(infer, json.dumps(prediction(1)) + "\n" + json.dumps(wrong) + "\n", RUN, 0)


@pytest.mark.parametrize("start", ["2026-11-22T00:00:00", "2026-11-22", None])
def test_an_input_series_whose_start_is_not_deepar_s_format_is_refused_naming_the_series(start):
    infer = json.dumps({"start": "2026-11-22 00:00:00", "target": [1], "id": "a/co_ppb"}) + "\n" + json.dumps({"start": start, "target": [1], "id": "b/co_ppb"}) + "\n"
    with pytest.raises(p.ResultsMismatch, match=f"^input series 2: start {re.escape(repr(start))} is not 'YYYY-MM-DD HH:MM:SS'$"):
        p.forecast_rows(infer, json.dumps(prediction(1)) + "\n" + json.dumps(prediction(2)) + "\n", RUN, 0)
