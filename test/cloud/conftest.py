"""One local SparkSession for the whole pytest run (Spark's start-up is the slow part), and the
paths of the cloud's Python, importable as modules."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
for folder in ("cloud/transform", "cloud/glue", "cloud/sagemaker", "cloud/lambda"):
    sys.path.insert(0, str(REPO / folder))
# The Lambda's code folder is an asset: its hash must not depend on test runs.
sys.dont_write_bytecode = True


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("aqm-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.driver.memory", "768m")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def node_helper():
    """Runs a TypeScript helper of the tests with the repository's tsx and parses the JSON it prints.
    A fixture, not an import: each test folder may have a conftest of its own, and `from conftest
    import` would take whichever pytest loaded first."""

    def run(script, *args):
        out = subprocess.run(
            ["node", "--import", "tsx", str(REPO / script), *args], cwd=REPO, check=True, capture_output=True, text=True, env={**os.environ, "NODE_NO_WARNINGS": "1"}
        )
        return json.loads(out.stdout)

    return run


@pytest.fixture(scope="session")
def channel_ranges(tmp_path_factory, node_helper):
    """The channels' ranges as the transformation reads them (cloud/lib/transformFiles.ts, from firmware/telemetry/Channels.ts)."""
    return node_helper("test/cloud/transform/goldenLake.ts", str(tmp_path_factory.mktemp("ranges")), "--ranges-only")["ranges"]


@pytest.fixture(scope="session")
def transform_sql():
    return (REPO / "cloud/transform/telemetry.sql").read_text("utf-8")
