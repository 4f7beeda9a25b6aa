"""Glue Python shell job: curated Parquet -> SageMaker input for one pipeline run.

Writes into the run's folders, each given as a job argument (a key prefix in the bucket; the
stack has them from cloud/lib/runPaths.ts, their only home):
  rcf_train/train.csv              every reading of the window, one CSV row of RCF_FEATURES (no
                                   header, no label: content type text/csv;label_size=0)
  rcf_score_input/<thing>.csv      the same rows per thing, so the batch transform writes one
                                   <thing>.csv.out per thing and the calibration knows whose scores they are
  rcf_keys/<thing>.csv             the ts of each of those rows, one a line: the scores carry no id, so
                                   the results step (cloud/results/) joins them back to their readings by line
  deepar_train/train.jsonl         one series per (thing, pollutant): hourly means, {"start", "target", "id"}
  deepar_infer/infer.jsonl         the same series as context; DeepAR forecasts the 24 hours after each

It streams: the curated lake is read one thing at a time (its date=…/thing=… partitions of the
window), each thing's rows and series are written out and dropped before the next thing is read,
and every output object is a multipart upload fed part by part. Memory is one thing's window (20
boards or 200, the same), not the fleet's; `bench/prepare-memory.py` measures it.

The transformations below are plain Python on lists of dicts so they run (and are tested) without
pandas, Spark or AWS; only main() reads Parquet.
"""
import csv
import io
import json
import math
import re
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
    """Every object a run over these records writes, "<folder>/<name>" -> text (whole, for small inputs)."""
    sinks = {}

    class TextSink(io.StringIO):
        def close(self):  # the text is read after the run; StringIO's close would drop it
            pass

    def open_sink(folder, name):
        sinks[f"{folder}/{name}"] = TextSink()
        return sinks[f"{folder}/{name}"]

    by_thing = {}
    for r in records:
        by_thing.setdefault(r["thing"], []).append(r)
    write_outputs(((thing, by_thing[thing]) for thing in sorted(by_thing)), open_sink)
    return {key: sink.getvalue() for key, sink in sinks.items()}


def write_outputs(things, open_sink):
    """Writes every object of the run from `things`, an iterable of (thing, its records) in thing
    order, holding one thing at a time. open_sink(folder, name) gives a text sink with write() and
    close() for the object `name` in one of RUN_FOLDERS."""
    train = open_sink("rcf_train", "train.csv")
    deepar = [open_sink("deepar_train", "train.jsonl"), open_sink("deepar_infer", "infer.jsonl")]
    for thing, records in things:
        rows = csv_text(rcf_rows(records))
        train.write(rows)
        score = open_sink("rcf_score_input", f"{thing}.csv")
        score.write(rows)
        score.close()
        keys = open_sink("rcf_keys", f"{thing}.csv")
        keys.write("".join(f"{ts}\n" for ts in rcf_keys(records, thing)))
        keys.close()
        series = jsonl_text(deepar_series(records))
        for sink in deepar:
            sink.write(series)
    for sink in [train, *deepar]:
        sink.close()


class MultipartSink:
    """A text sink that uploads to S3 in parts of `part_bytes` (S3's minimum part is 5 MiB), so an
    object of any size costs one part of memory. An empty object is put whole (a multipart upload
    needs at least one part)."""

    def __init__(self, s3, bucket, key, part_bytes=8 * 1024 * 1024):
        self._s3, self._bucket, self._key, self._part_bytes = s3, bucket, key, part_bytes
        self._buffer, self._size, self._parts, self._upload = [], 0, [], None

    def write(self, text):
        data = text.encode("utf-8")
        self._buffer.append(data)
        self._size += len(data)
        if self._size >= self._part_bytes:
            self._flush()

    def _flush(self):
        if self._upload is None:
            self._upload = self._s3.create_multipart_upload(Bucket=self._bucket, Key=self._key)["UploadId"]
        number = len(self._parts) + 1
        etag = self._s3.upload_part(Bucket=self._bucket, Key=self._key, UploadId=self._upload, PartNumber=number, Body=b"".join(self._buffer))["ETag"]
        self._parts.append({"ETag": etag, "PartNumber": number})
        self._buffer, self._size = [], 0

    def close(self):
        if self._upload is None:
            self._s3.put_object(Bucket=self._bucket, Key=self._key, Body=b"".join(self._buffer))
            return
        if self._size > 0:
            self._flush()
        self._s3.complete_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload, MultipartUpload={"Parts": self._parts})


# The run's folders, each a job argument (cloud/lib/ModelDataPrep.ts runFolders).
RUN_FOLDERS = ["rcf_train", "rcf_score_input", "rcf_keys", "deepar_train", "deepar_infer"]
ARGUMENTS = ["bucket", "curated_prefix", "training_days", *RUN_FOLDERS]


def thing_partitions(keys, curated_prefix, since):
    """The curated Parquet keys of the window, grouped by thing in thing order: {thing: [key, ...]}."""
    pattern = re.compile(re.escape(curated_prefix) + r"date=(\d{4}-\d{2}-\d{2})/thing=([^/]+)/[^/]+\.parquet$")
    grouped = {}
    for key in keys:
        match = pattern.match(key)
        if match and match.group(1) >= since:
            grouped.setdefault(match.group(2), []).append(key)
    return {thing: sorted(grouped[thing]) for thing in sorted(grouped)}


def main():
    # Glue-only modules are imported here so the functions above import anywhere.
    import boto3
    import pyarrow.parquet as pq
    from awsglue.utils import getResolvedOptions

    args = getResolvedOptions(sys.argv, ARGUMENTS)
    bucket = args["bucket"]
    since = (datetime.now(timezone.utc) - timedelta(days=int(args["training_days"]))).strftime("%Y-%m-%d")
    s3 = boto3.client("s3")
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=args["curated_prefix"]) for o in page.get("Contents", [])]
    partitions = thing_partitions(keys, args["curated_prefix"], since)
    if not partitions:
        raise RuntimeError(f"no curated readings since {since}: nothing to train on")

    def records_of(thing):
        for key in partitions[thing]:
            body = io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            for row in pq.read_table(body, columns=["ts", *RCF_FEATURES]).to_pylist():
                yield {**row, "thing": thing}

    write_outputs(((thing, list(records_of(thing))) for thing in partitions), lambda folder, name: MultipartSink(s3, bucket, args[folder] + name))


if __name__ == "__main__":
    main()
