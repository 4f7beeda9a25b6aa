"""The one function telemetry.sql calls that Spark SQL lacks: json_kind(json, path).

Call register(spark) before running the statements of telemetry.sql. DuckDB gets the same
function as a macro (host-tools/local-cloud/lake/DuckDbDialect.ts); both must give the same answers:

  'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null'
  None when `json` is not valid JSON or `path` is absent.

`path` is '$' or '$.key' or '$.key.key' (object keys only, as telemetry.sql uses). An integer is
a JSON number without fraction or exponent that fits in 64 bits (DuckDB's json_type reports larger
ones as DOUBLE). NaN and Infinity are not JSON, but DuckDB's parser and Python's both take them
as numbers; neither the local Firehose nor IoT Core passes them to the lake.
"""
import json
from functools import lru_cache

_INT64 = (-(2 ** 63), 2 ** 64 - 1)


@lru_cache(maxsize=8)
def _parsed(text):
    # The SQL asks ~30 questions of each line in a row: parse it once, not 30 times.
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if _INT64[0] <= value <= _INT64[1] else "number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def json_kind(text, path):
    if text is None or path is None:
        return None
    ok, value = _parsed(text)
    if not ok:
        return None
    if path != "$":
        if not path.startswith("$."):
            raise ValueError(f"json_kind: unsupported path {path!r} (only $ and $.key.key)")
        for key in path[2:].split("."):
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
    return _kind(value)


def register(spark):
    from pyspark.sql.types import StringType

    spark.udf.register("json_kind", json_kind, StringType())
