import pytest

import telemetry_etl as etl
import telemetry_transform as tt


def test_sql_statements_strip_comments_and_keep_quoted_semicolons():
    assert tt.sql_statements("-- header; comment\nCREATE TEMP VIEW a AS SELECT ';' AS s;\n\nCREATE TEMP VIEW b AS SELECT 1;\n") == [
        "CREATE TEMP VIEW a AS SELECT ';' AS s",
        "CREATE TEMP VIEW b AS SELECT 1",
    ]


def test_split_s3_names_the_bad_uri():
    assert etl.split_s3("s3://bucket/some/key.sql") == ("bucket", "some/key.sql")
    with pytest.raises(ValueError, match="not an s3:// URI: /local/key.sql"):
        etl.split_s3("/local/key.sql")
