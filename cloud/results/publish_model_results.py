"""Glue Python shell job: one pipeline run's SageMaker output -> tables an operator can query.

The batch transforms write bare model output: DeepAR one line of quantiles per input series, RCF
one {"score"} line per input row, neither naming the thing or the time it is about. This job
joins them back, by line number, to the input the data preparation wrote for the same run
(cloud/sagemaker/prepare_training_data.py): each batch transform writes `<input name>.out` for
each input object, so every output file names the input it came from. The run's folders are job
arguments (key prefixes, from cloud/lib/runPaths.ts). It writes:

  curated/forecasts/date=<forecast start day>/<run>.parquet
      one row per (thing, channel, forecast hour): mean and the 0.1 / 0.5 / 0.9 quantiles
  curated/anomaly-scores/date=<reading day>/scores.parquet
      one row per reading RCF scored: its score and whether RCF calls it anomalous (above the
      thing's mean + 3 standard deviations, RCF's documented convention, the calibration's too).
      A run scores the whole training window again, so each day's file is replaced, not added to.
  serving/forecasts/<thing>.json
      the thing's newest forecasts as the forecast API returns them (cloud/lambda/forecast_api.py)
  <fit>/<thing>.json
      the board's own anomaly scores over the fit_days before the held-out week, which the
      calibration (cloud/lambda/calibrate_thresholds.py) fits each candidate threshold on
  <holdout>/<thing>.json
      the board's own anomaly scores over the held-out week, which the quality gate
      (cloud/lambda/quality_gate.py) tries each threshold on

The Glue tables over the two Parquet prefixes are defined by the stack (cloud/lib/ModelResults.ts)
with partition projection on `date`, so no partition is ever registered here. Everything but
main() is plain Python on lists and dicts, tested against moto (test/cloud/results/).
"""
import io
import json
import re
import sys
from datetime import datetime, timezone
from statistics import fmean, pstdev

HOUR_MS = 3_600_000
SIGMAS = 3.0
QUANTILES = ("0.1", "0.5", "0.9")
# A batch transform's output for input object <name> is <name>.out.
TRANSFORM_SUFFIX = ".out"
SCORE_SUFFIX = ".csv" + TRANSFORM_SUFFIX
FORECAST_COLUMNS = ["thing", "channel", "hour_ts", "step", "mean", "p10", "p50", "p90", "run_id", "issued_at"]
SCORE_COLUMNS = ["thing", "ts", "score", "anomalous", "run_id"]


class ResultsMismatch(Exception):
    """The model output does not line up with the input it was made from."""


def utc_day(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def parse_start(text, where):
    try:
        return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1000)
    except (TypeError, ValueError):
        raise ResultsMismatch(f"{where}: start {text!r} is not 'YYYY-MM-DD HH:MM:SS'") from None


def prediction_of(line, where):
    """A DeepAR batch-transform output line: {"mean", "quantiles"} (or the endpoint's {"predictions": [that]})."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise ResultsMismatch(f"{where}: not JSON ({error.msg})") from None
    if isinstance(value, dict) and isinstance(value.get("predictions"), list) and len(value["predictions"]) == 1:
        value = value["predictions"][0]
    if not isinstance(value, dict) or not isinstance(value.get("mean"), list) or not isinstance(value.get("quantiles"), dict):
        raise ResultsMismatch(f"{where}: expected {{\"mean\": [...], \"quantiles\": {{...}}}}")
    for q in QUANTILES:
        if len(value["quantiles"].get(q, [])) != len(value["mean"]):
            raise ResultsMismatch(f"{where}: quantile {q} has {len(value['quantiles'].get(q, []))} values, the mean {len(value['mean'])}")
    return value


def forecast_rows(infer_text, output_text, run_id, issued_at):
    """Line i of the output is the forecast for series i of the inference input (batch transform
    keeps the order with SplitType Line / AssembleWith Line); each forecast starts the hour after
    its series' last target value."""
    series = []
    for number, line in enumerate((line for line in infer_text.splitlines() if line.strip()), start=1):
        try:
            series.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ResultsMismatch(f"input series {number}: not JSON ({error.msg})") from None
        if not isinstance(series[-1], dict):
            raise ResultsMismatch(f"input series {number}: expected a JSON object, got {type(series[-1]).__name__}")
    outputs = [line for line in output_text.splitlines() if line.strip()]
    if len(series) != len(outputs):
        raise ResultsMismatch(f"DeepAR output has {len(outputs)} forecasts for {len(series)} input series")
    rows = []
    for i, (s, line) in enumerate(zip(series, outputs)):
        thing, _, channel = str(s.get("id", "")).rpartition("/")
        if not thing or not channel:
            raise ResultsMismatch(f"input series {i + 1}: id {s.get('id')!r} is not <thing>/<channel>")
        prediction = prediction_of(line, f"output line {i + 1}")
        start = parse_start(s.get("start"), f"input series {i + 1}") + len(s.get("target", [])) * HOUR_MS
        q = prediction["quantiles"]
        for step, mean in enumerate(prediction["mean"]):
            rows.append(
                {
                    "thing": thing,
                    "channel": channel,
                    "hour_ts": start + step * HOUR_MS,
                    "step": step,
                    "mean": float(mean),
                    "p10": float(q["0.1"][step]),
                    "p50": float(q["0.5"][step]),
                    "p90": float(q["0.9"][step]),
                    "run_id": run_id,
                    "issued_at": issued_at,
                }
            )
    return rows


def serving_documents(rows):
    """Per thing, its forecasts in the shape `aqm forecast` prints (DeepAR's response plus the series and start)."""
    by_series = {}
    for r in sorted(rows, key=lambda r: (r["thing"], r["channel"], r["step"])):
        by_series.setdefault((r["thing"], r["channel"]), []).append(r)
    docs = {}
    for (thing, channel), hours in by_series.items():
        docs.setdefault(thing, []).append(
            {
                "thing": thing,
                "channel": channel,
                "id": f"{thing}/{channel}",
                "start": datetime.fromtimestamp(hours[0]["hour_ts"] / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "freq": "H",
                "method": f"DeepAR, pipeline run {hours[0]['run_id']}",
                "predictions": [
                    {
                        "mean": [h["mean"] for h in hours],
                        "quantiles": {"0.1": [h["p10"] for h in hours], "0.5": [h["p50"] for h in hours], "0.9": [h["p90"] for h in hours]},
                    }
                ],
            }
        )
    return docs


def _key_ts(thing, number, line):
    try:
        return int(line)
    except ValueError:
        raise ResultsMismatch(f"{thing}: keys line {number}: {line.strip()!r} is not a reading ts (ms since the epoch)") from None


def _score(thing, number, line):
    """An RCF batch-transform output line: {"score": <number>}."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise ResultsMismatch(f"{thing}: score line {number}: not JSON ({error.msg})") from None
    score = value.get("score") if isinstance(value, dict) else None
    if not isinstance(score, (int, float)) or isinstance(score, bool):
        raise ResultsMismatch(f"{thing}: score line {number}: expected {{\"score\": <number>}}")
    return float(score)


def score_rows(thing, keys_text, scores_text, run_id):
    """Score i belongs to the reading at line i of the thing's keys file; anomalous above mean + 3 sd."""
    times = [_key_ts(thing, number, line) for number, line in enumerate((line for line in keys_text.splitlines() if line.strip()), start=1)]
    scores = [_score(thing, number, line) for number, line in enumerate((line for line in scores_text.splitlines() if line.strip()), start=1)]
    if len(times) != len(scores):
        raise ResultsMismatch(f"{thing}: {len(scores)} RCF scores for {len(times)} scored readings")
    if not scores:
        return []
    cutoff = fmean(scores) + SIGMAS * pstdev(scores)
    return [{"thing": thing, "ts": ts, "score": s, "anomalous": s > cutoff, "run_id": run_id} for ts, s in zip(times, scores)]


def by_day(rows, ts_key):
    days = {}
    for r in rows:
        days.setdefault(utc_day(r[ts_key]), []).append(r)
    return days


def parquet_bytes(rows, columns):
    # Imported here: Glue's analytics library set has pyarrow; the pure functions above need nothing.
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([{c: r[c] for c in columns} for r in rows], schema=_schema(columns))
    out = io.BytesIO()
    pq.write_table(table, out, compression="snappy")
    return out.getvalue()


def _schema(columns):
    import pyarrow as pa

    types = {
        "thing": pa.string(),
        "channel": pa.string(),
        "hour_ts": pa.int64(),
        "step": pa.int32(),
        "mean": pa.float64(),
        "p10": pa.float64(),
        "p50": pa.float64(),
        "p90": pa.float64(),
        "run_id": pa.string(),
        "issued_at": pa.int64(),
        "ts": pa.int64(),
        "score": pa.float64(),
        "anomalous": pa.bool_(),
    }
    return pa.schema([(c, types[c]) for c in columns])


def _text(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def _keys(s3, bucket, prefix):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            yield obj["Key"]


def board_scores(s3, bucket, telemetry_prefix, fit_from, since):
    """The board's own anomaly score of each curated reading, by thing, in two periods: "fit" for
    the days from fit_from up to since, "holdout" for since and after; one listing of the lake."""
    import pyarrow.parquet as pq

    found = {"fit": {}, "holdout": {}}
    for key in _keys(s3, bucket, telemetry_prefix):
        match = re.search(r"date=(\d{4}-\d{2}-\d{2})/thing=([^/]+)/[^/]+\.parquet$", key)
        if not match or match.group(1) < fit_from:
            continue
        period = found["holdout" if match.group(1) >= since else "fit"]
        table = pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()), columns=["ts", "anomaly"])
        scores = [a for a in table.column("anomaly").to_pylist() if a is not None]
        period.setdefault(match.group(2), []).extend(scores)
    return found


def publish(s3, args, now_ms):
    """Reads the run's input and output, writes the tables, the serving documents and the held-out scores; returns counts."""
    bucket, run = args["bucket"], args["run_id"]

    outputs = [key for key in _keys(s3, bucket, args["deepar_forecasts"]) if key.endswith(TRANSFORM_SUFFIX)]
    if not outputs:
        raise ResultsMismatch(f"no DeepAR output (<input>{TRANSFORM_SUFFIX}) under s3://{bucket}/{args['deepar_forecasts']}")
    forecasts = []
    for key in outputs:
        infer_key = args["deepar_infer"] + key[len(args["deepar_forecasts"]) : -len(TRANSFORM_SUFFIX)]
        forecasts.extend(forecast_rows(_text(s3, bucket, infer_key), _text(s3, bucket, key), run, now_ms))
    for day, rows in by_day(forecasts, "hour_ts").items():
        s3.put_object(Bucket=bucket, Key=f"{args['forecasts_prefix']}date={day}/{run}.parquet", Body=parquet_bytes(rows, FORECAST_COLUMNS))
    documents = serving_documents(forecasts)
    for thing, doc in documents.items():
        s3.put_object(Bucket=bucket, Key=f"{args['serving_prefix']}{thing}.json", Body=json.dumps(doc).encode("utf-8"), ContentType="application/json")

    scores = []
    for key in _keys(s3, bucket, args["rcf_scores"]):
        name = key[len(args["rcf_scores"]) :]
        if not name.endswith(SCORE_SUFFIX):
            continue
        thing = name[: -len(SCORE_SUFFIX)]
        # The keys file has the name of the score input the transform read.
        keys_text = _text(s3, bucket, args["rcf_keys"] + name[: -len(TRANSFORM_SUFFIX)])
        scores.extend(score_rows(thing, keys_text, _text(s3, bucket, key), run))
    score_days = by_day(scores, "ts")
    for day, rows in score_days.items():
        prefix = f"{args['scores_prefix']}date={day}/"
        stale = [k for k in _keys(s3, bucket, prefix) if not k.endswith("/scores.parquet")]
        s3.put_object(Bucket=bucket, Key=f"{prefix}scores.parquet", Body=parquet_bytes(sorted(rows, key=lambda r: (r["thing"], r["ts"])), SCORE_COLUMNS))
        for k in stale:
            s3.delete_object(Bucket=bucket, Key=k)

    # The weeks a threshold is fitted on end where the week it is judged on begins, so the gate
    # never judges a threshold on the scores it was fitted to.
    since = utc_day(now_ms - int(args["holdout_days"]) * 24 * HOUR_MS)
    fit_from = utc_day(now_ms - (int(args["holdout_days"]) + int(args["fit_days"])) * 24 * HOUR_MS)
    periods = board_scores(s3, bucket, args["telemetry_prefix"], fit_from, since)
    holdout, fit = periods["holdout"], periods["fit"]
    for thing, values in holdout.items():
        s3.put_object(Bucket=bucket, Key=f"{args['holdout']}{thing}.json", Body=json.dumps({"since": since, "scores": values}).encode("utf-8"))
    for thing, values in fit.items():
        s3.put_object(Bucket=bucket, Key=f"{args['fit']}{thing}.json", Body=json.dumps({"from": fit_from, "until": since, "scores": values}).encode("utf-8"))
    return {
        "forecastRows": len(forecasts),
        "forecastThings": len(documents),
        "scoreRows": len(scores),
        "anomalous": sum(1 for r in scores if r["anomalous"]),
        "scoreDays": len(score_days),
        "holdoutThings": len(holdout),
        "holdoutUri": f"s3://{bucket}/{args['holdout']}",
        "fitThings": len(fit),
        "fitUri": f"s3://{bucket}/{args['fit']}",
    }


# The run's folders, each a job argument (cloud/lib/ModelResults.ts runFolders).
RUN_FOLDERS = ["deepar_infer", "deepar_forecasts", "rcf_keys", "rcf_scores", "holdout", "fit"]
ARGUMENTS = ["bucket", "run_id", "forecasts_prefix", "scores_prefix", "serving_prefix", "telemetry_prefix", "holdout_days", "fit_days", *RUN_FOLDERS]


def main():
    import boto3
    from awsglue.utils import getResolvedOptions

    args = getResolvedOptions(sys.argv, ARGUMENTS)
    print(json.dumps(publish(boto3.client("s3"), args, int(datetime.now(timezone.utc).timestamp() * 1000))))


if __name__ == "__main__":
    main()
