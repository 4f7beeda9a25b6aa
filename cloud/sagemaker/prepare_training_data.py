"""Glue Python shell job: curated Parquet -> SageMaker input for one pipeline run.

Writes, under s3://<bucket>/<ml_input_prefix><run_id>/:
  rcf/train/train.csv        every reading of the window, one CSV row of RCF_FEATURES (no header,
                             no label: content type text/csv;label_size=0)
  rcf/score/<thing>.csv      the same rows per thing, so the batch transform writes one
                             <thing>.csv.out per thing and the calibration step knows whose scores they are
  rcf/keys/<thing>.csv       the ts of each of those rows, one a line: the scores carry no id, so the
                             results step (cloud/results/) joins them back to their readings by line
  deepar/train/train.jsonl   one series per (thing, pollutant): hourly means, {"start", "target", "id"}
  deepar/infer/infer.jsonl   the same series as context; DeepAR forecasts the 24 hours after each

The transformations below are plain Python on lists of dicts so they run (and are tested) without
pandas, Spark or AWS; only main() touches S3.
"""
import csv
import io
import json
import math
import sys
from datetime import datetime, timedelta, timezone

# Same order as cloud/lib/ModelTraining.ts RCF_FEATURES (RCF's feature_dim is its length).
RCF_FEATURES = ["pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3", "co_ppb", "no2_ppb", "so2_ppb", "o3_ppb", "temperature_c", "humidity_pct"]
# DeepAR forecasts the pollutants, not the weather channels.
POLLUTANTS = ["pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3", "co_ppb", "no2_ppb", "so2_ppb", "o3_ppb"]
HOUR_MS = 3_600_000


def _present(value):
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def channel_means(records):
    """Per (thing, channel) mean of the values present; RCF needs a number in every column."""
    sums = {}
    for r in records:
        for ch in RCF_FEATURES:
            if _present(r.get(ch)):
                total, count = sums.get((r["thing"], ch), (0.0, 0))
                sums[(r["thing"], ch)] = (total + float(r[ch]), count + 1)
    return {key: total / count for key, (total, count) in sums.items()}


def rcf_rows(records):
    """One feature row per reading, ordered by (thing, ts). A missing value (a faulty or warming
    channel) takes the thing's own mean for that channel, or 0 if the thing never had one, so
    a gap is not itself scored as an anomaly."""
    means = channel_means(records)
    rows = []
    for r in sorted(records, key=lambda r: (r["thing"], r["ts"])):
        rows.append((r["thing"], [float(r[ch]) if _present(r.get(ch)) else means.get((r["thing"], ch), 0.0) for ch in RCF_FEATURES]))
    return rows


def rcf_keys(records, thing):
    """The ts of each row rcf_rows writes for `thing`, in its order."""
    return sorted(int(r["ts"]) for r in records if r["thing"] == thing)


def csv_text(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for _thing, values in rows:
        writer.writerow([repr(round(v, 4)) for v in values])
    return out.getvalue()


def hour_start(ts_ms):
    return ts_ms - ts_ms % HOUR_MS


def deepar_series(records):
    """Hourly means per (thing, pollutant) from the first hour with data to the last; hours with
    no reading are null, which DeepAR treats as missing."""
    buckets = {}
    for r in records:
        for ch in POLLUTANTS:
            if _present(r.get(ch)):
                key = (r["thing"], ch)
                hour = hour_start(int(r["ts"]))
                total, count = buckets.setdefault(key, {}).get(hour, (0.0, 0))
                buckets[key][hour] = (total + float(r[ch]), count + 1)
    series = []
    for (thing, ch), hours in sorted(buckets.items()):
        first, last = min(hours), max(hours)
        target = []
        for h in range(first, last + HOUR_MS, HOUR_MS):
            total_count = hours.get(h)
            target.append(round(total_count[0] / total_count[1], 3) if total_count else None)
        start = datetime.fromtimestamp(first / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        series.append({"start": start, "target": target, "id": f"{thing}/{ch}"})
    return series


def jsonl_text(series):
    return "".join(json.dumps(s, separators=(",", ":")) + "\n" for s in series)


def outputs(records):
    """Every object this run writes, key (relative to the run folder) -> text."""
    rows = rcf_rows(records)
    files = {"rcf/train/train.csv": csv_text(rows)}
    for thing in sorted({t for t, _ in rows}):
        files[f"rcf/score/{thing}.csv"] = csv_text([r for r in rows if r[0] == thing])
        files[f"rcf/keys/{thing}.csv"] = "".join(f"{ts}\n" for ts in rcf_keys(records, thing))
    series = jsonl_text(deepar_series(records))
    files["deepar/train/train.jsonl"] = series
    files["deepar/infer/infer.jsonl"] = series
    return files


def main():
    # Glue-only modules are imported here so the functions above import anywhere.
    import awswrangler as wr
    import boto3
    from awsglue.utils import getResolvedOptions

    args = getResolvedOptions(sys.argv, ["bucket", "curated_prefix", "ml_input_prefix", "training_days", "run_id"])
    since = (datetime.now(timezone.utc) - timedelta(days=int(args["training_days"]))).strftime("%Y-%m-%d")
    frame = wr.s3.read_parquet(
        path=f"s3://{args['bucket']}/{args['curated_prefix']}",
        dataset=True,
        partition_filter=lambda p: p["date"] >= since,
        columns=["ts", *RCF_FEATURES],
    )
    if frame.empty:
        raise RuntimeError(f"no curated readings since {since}: nothing to train on")
    records = frame.astype({"thing": "str"}).to_dict("records")
    s3 = boto3.client("s3")
    base = f"{args['ml_input_prefix']}{args['run_id']}/"
    for key, text in outputs(records).items():
        s3.put_object(Bucket=args["bucket"], Key=base + key, Body=text.encode("utf-8"))


if __name__ == "__main__":
    main()
