"""The preparation job streams: one thing at a time, every output a multipart upload (against moto's S3)."""
import boto3
import pytest
from moto import mock_aws

import prepare_training_data as p

T0 = 1795384800000  # 2026-11-22 22:00 UTC


def test_write_outputs_holds_one_thing_at_a_time_and_gives_the_whole_run_objects():
    seen = []

    def things():
        for thing in ("a", "b"):
            seen.append(thing)
            yield thing, [{"thing": thing, "ts": T0 + i * 60000, "pm2_5_ugm3": float(i), "co_ppb": None} for i in range(3)]

    written = {}

    class Sink:
        def __init__(self, folder, name):
            assert folder in p.RUN_FOLDERS
            self.parts, self.closed = [], False
            written[f"{folder}/{name}"] = self

        def write(self, text):
            assert not self.closed
            self.parts.append((tuple(seen), text))

        def close(self):
            self.closed = True

    p.write_outputs(things(), Sink)
    assert sorted(written) == ["deepar_infer/infer.jsonl", "deepar_train/train.jsonl", "rcf_keys/a.csv", "rcf_keys/b.csv", "rcf_score_input/a.csv", "rcf_score_input/b.csv", "rcf_train/train.csv"]
    assert all(s.closed for s in written.values())
    # The training CSV got thing a's rows before thing b was read.
    assert [seen_then for seen_then, _ in written["rcf_train/train.csv"].parts] == [("a",), ("a", "b")]
    assert "".join(t for _, t in written["rcf_train/train.csv"].parts) == "".join(t for _, t in written["rcf_score_input/a.csv"].parts + written["rcf_score_input/b.csv"].parts)


@mock_aws
def test_multipart_sink_uploads_parts_and_puts_an_empty_object_whole():
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="lake", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    sink = p.MultipartSink(s3, "lake", "ml/input/run/rcf/train/train.csv", part_bytes=5 * 1024 * 1024)
    chunk = "0.0,1.0,2.0\n" * 100_000  # 1.2 MB
    for _ in range(10):
        sink.write(chunk)
    sink.close()
    body = s3.get_object(Bucket="lake", Key="ml/input/run/rcf/train/train.csv")["Body"].read().decode()
    assert body == chunk * 10
    assert len(sink._parts) == 2  # a part each time the buffer passes 5 MiB: 6 MB and 6 MB
    empty = p.MultipartSink(s3, "lake", "ml/input/run/deepar/infer/infer.jsonl")
    empty.close()
    assert s3.get_object(Bucket="lake", Key="ml/input/run/deepar/infer/infer.jsonl")["Body"].read() == b""


def test_thing_partitions_keeps_the_window_and_groups_by_thing():
    keys = [
        "curated/telemetry/date=2026-11-01/thing=b/x.parquet",
        "curated/telemetry/date=2026-11-20/thing=b/y.parquet",
        "curated/telemetry/date=2026-11-21/thing=a/z.parquet",
        "curated/telemetry/date=2026-11-21/thing=a/_SUCCESS",
        "curated/telemetry/_curation_manifest/part-0.json",
    ]
    assert p.thing_partitions(keys, "curated/telemetry/", "2026-11-10") == {
        "a": ["curated/telemetry/date=2026-11-21/thing=a/z.parquet"],
        "b": ["curated/telemetry/date=2026-11-20/thing=b/y.parquet"],
    }


@pytest.mark.parametrize("rows", [0, 1])
def test_outputs_of_a_thing_with_few_rows(rows):
    files = p.outputs([{"thing": "a", "ts": T0 + i, "pm2_5_ugm3": 1.0} for i in range(rows)])
    assert files["rcf_train/train.csv"].count("\n") == rows
