-- aqm shared curation transformation: raw telemetry lines -> curated readings + quarantine.
--
-- Written once, run by two engines:
--   local  DuckDB (host-tools/local-cloud/lake/LakeCurator.ts, `aqm etl`)
--   AWS    Spark SQL in the Glue job (cloud/glue/telemetry_etl.py)
-- The runner executes the statements below in order, then reads the views it needs.
--
-- INPUT  a view `raw_lines`, one row per line of a raw Firehose object:
--          source_file  STRING  where the line came from (lake object key, or s3:// URI)
--          line_number  BIGINT  1-based line number within source_file
--          line         STRING  the raw line (one JSON document as the topic rule wrote it:
--                               a reading, or {"batch": [reading, ...]} with the rule's fields)
--        Spark: spark.read.option("wholetext", "true").text(paths), then
--          posexplode(split(value, chr(10))) gives (pos, line): line_number = pos + 1; drop the
--          empty string after the final newline. input_file_name() gives source_file.
--
-- FUNCTIONS the SQL calls beyond the common core of both dialects:
--   get_json_object(json, path) STRING   Spark built-in; DuckDB gets a macro of the same name
--   json_kind(json, path)       STRING   'object' | 'array' | 'string' | 'integer' | 'number' |
--                                        'boolean' | 'null', or NULL when the path is absent or
--                                        json is not valid JSON. Neither engine has it: DuckDB
--                                        gets a macro over json_type (host-tools/local-cloud/lake/
--                                        DuckDbDialect.ts), Spark registers the Python UDF in
--                                        cloud/transform/spark_functions.py.
--   json_array_length(json), explode(array), sequence(first, last): Spark built-ins; DuckDB
--                                        gets explode and sequence as macros.
--   Both are asked about fields only of lines json_kind(line, '$') found to be JSON objects:
--   Spark's get_json_object is a streaming parser that reads values out of a truncated line, and
--   a line that is not JSON is then parsed once rather than once per field.
--
-- OUTPUT views
--   curated     one row per reading, unique by (thing, boot, seq) within this batch; v1 and v2
--               in one shape (columns absent from a version are NULL; v1's per-sensor health is
--               copied to each of that sensor's channels). Partition by (date, thing): `date`
--               is the UTC day of `ts`, as 'YYYY-MM-DD'.
--   duplicates  the other copies of a (thing, boot, seq) seen in this batch
--   quarantine  every refused reading (or line that is no reading at all) with its reason, where
--               it came from (source_file, line_number, item: its place in a batch, 0 for a line
--               that is not a batch) and its text
--   raw_items   one row per reading: a batch gives one per element, any other line one
--   raw_checked (every item, its fields and its reason, NULL when valid) feeds all three: a
--   runner may materialise it once (DuckDB: a temporary table; Spark: cache it).
--   Readings already curated by an earlier run are the runner's job (anti-join on the key in the
--   (date, thing) partitions being written): this file sees one batch.
--   Invariant: count(raw_items) = count(curated) + count(duplicates) + count(quarantine).
--
-- DIALECT CONSTRAINTS (the common subset of DuckDB 1.x and Spark SQL 3.5):
--   * only CREATE OR REPLACE TEMPORARY VIEW statements, separated by semicolons;
--   * no "--" and no semicolon inside string literals (the Glue job strips comments and splits
--     statements textually), no apostrophes inside literals, no backslashes (Spark unescapes
--     them, DuckDB does not);
--   * concatenate with || (both give NULL for a NULL operand; concat() differs);
--   * regexp_extract(s, pattern, 0) = s for a full match (regexp_matches / rlike differ);
--   * `/` is floating-point division in both; integers by CAST(floor(x) AS ...);
--   * dates by DATE literal + INT (date_add differs), CAST(... AS STRING) for text;
--   * types: STRING, INT, BIGINT, DOUBLE only; TRY_CAST (Spark 3.2+) where a value may not parse.

-- A line is one reading, or a batch {"batch": [reading, ...]} that a board sends when it has a
-- backlog to catch up on (one message, one 5 KB billing unit, for a dozen readings). The topic
-- rule adds topic_thing and received_at to the line, so to a batch once: they are read from the
-- envelope (the whole line), the rest from each reading. Every reading of a batch is an item of
-- its own, numbered from 1 (0 for a line that is not a batch), checked, kept or quarantined alone.
CREATE OR REPLACE TEMPORARY VIEW raw_envelopes AS
SELECT source_file, line_number, line, json_kind(line, '$') AS k_envelope
FROM raw_lines;

CREATE OR REPLACE TEMPORARY VIEW raw_envelope_fields AS
SELECT
  source_file, line_number, line, k_envelope,
  json_kind(envelope_object, '$.batch') AS k_batch,
  json_kind(envelope_object, '$.topic_thing') AS k_topic_thing,
  get_json_object(envelope_object, '$.topic_thing') AS s_topic_thing,
  json_kind(envelope_object, '$.received_at') AS k_received_at,
  get_json_object(envelope_object, '$.received_at') AS s_received_at
FROM (SELECT e.*, CASE WHEN k_envelope = 'object' THEN line END AS envelope_object FROM raw_envelopes e) o;

CREATE OR REPLACE TEMPORARY VIEW raw_envelope_sizes AS
SELECT f.*, CASE WHEN k_batch = 'array' THEN CAST(json_array_length(get_json_object(line, '$.batch')) AS INT) END AS batch_size
FROM raw_envelope_fields f;

CREATE OR REPLACE TEMPORARY VIEW raw_items AS
SELECT source_file, line_number, 0 AS item, k_batch, k_topic_thing, s_topic_thing, k_received_at, s_received_at, line, k_envelope AS k_line
FROM raw_envelope_sizes
WHERE k_batch IS NULL OR k_batch <> 'array' OR batch_size IS NULL OR batch_size < 1
UNION ALL
SELECT source_file, line_number, item, k_batch, k_topic_thing, s_topic_thing, k_received_at, s_received_at, reading AS line, json_kind(reading, '$') AS k_line
FROM (
  SELECT b.*, get_json_object(envelope, '$.batch[' || CAST(item - 1 AS STRING) || ']') AS reading
  FROM (
    SELECT source_file, line_number, k_batch, k_topic_thing, s_topic_thing, k_received_at, s_received_at, line AS envelope, explode(sequence(1, batch_size)) AS item
    FROM raw_envelope_sizes
    WHERE k_batch = 'array' AND batch_size >= 1
  ) b
) r;

-- The kind of every field the checks look at, and the values they compare. Both are asked only
-- of lines that are JSON objects (see the header): reading_object is NULL for any other line.
CREATE OR REPLACE TEMPORARY VIEW raw_parsed AS
SELECT
  source_file, line_number, item, k_batch, k_topic_thing, s_topic_thing, k_received_at, s_received_at, line, k_line,
  json_kind(reading_object, '$.v') AS k_v,
  json_kind(reading_object, '$.thing') AS k_thing,
  json_kind(reading_object, '$.boot') AS k_boot,
  json_kind(reading_object, '$.seq') AS k_seq,
  json_kind(reading_object, '$.ts') AS k_ts,
  json_kind(reading_object, '$.interval_s') AS k_interval_s,
  json_kind(reading_object, '$.temperature_c') AS k_temperature_c,
  json_kind(reading_object, '$.humidity_pct') AS k_humidity_pct,
  json_kind(reading_object, '$.pm1_ugm3') AS k_pm1_ugm3,
  json_kind(reading_object, '$.pm2_5_ugm3') AS k_pm2_5_ugm3,
  json_kind(reading_object, '$.pm10_ugm3') AS k_pm10_ugm3,
  json_kind(reading_object, '$.co_ppb') AS k_co_ppb,
  json_kind(reading_object, '$.no2_ppb') AS k_no2_ppb,
  json_kind(reading_object, '$.so2_ppb') AS k_so2_ppb,
  json_kind(reading_object, '$.o3_ppb') AS k_o3_ppb,
  json_kind(reading_object, '$.anomaly') AS k_anomaly,
  json_kind(reading_object, '$.health') AS k_health,
  json_kind(reading_object, '$.health.temperature_c') AS kh_temperature_c,
  json_kind(reading_object, '$.health.humidity_pct') AS kh_humidity_pct,
  json_kind(reading_object, '$.health.pm1_ugm3') AS kh_pm1_ugm3,
  json_kind(reading_object, '$.health.pm2_5_ugm3') AS kh_pm2_5_ugm3,
  json_kind(reading_object, '$.health.pm10_ugm3') AS kh_pm10_ugm3,
  json_kind(reading_object, '$.health.co_ppb') AS kh_co_ppb,
  json_kind(reading_object, '$.health.no2_ppb') AS kh_no2_ppb,
  json_kind(reading_object, '$.health.so2_ppb') AS kh_so2_ppb,
  json_kind(reading_object, '$.health.o3_ppb') AS kh_o3_ppb,
  json_kind(reading_object, '$.health.sht4x') AS kh_sht4x,
  json_kind(reading_object, '$.health.pms5003') AS kh_pms5003,
  get_json_object(reading_object, '$.v') AS s_v,
  get_json_object(reading_object, '$.thing') AS s_thing,
  get_json_object(reading_object, '$.boot') AS s_boot,
  get_json_object(reading_object, '$.seq') AS s_seq,
  get_json_object(reading_object, '$.ts') AS s_ts,
  get_json_object(reading_object, '$.interval_s') AS s_interval_s,
  get_json_object(reading_object, '$.anomaly') AS s_anomaly
FROM (SELECT i.*, CASE WHEN k_line = 'object' THEN line END AS reading_object FROM raw_items i) o;

-- The first thing wrong with a line, in words; NULL when the line is a valid reading.
-- Ranges are compared as DOUBLE so that a huge integer cannot fail a cast; TRY_CAST because an
-- engine may evaluate a CASE branch early on rows the earlier branches refuse.
CREATE OR REPLACE TEMPORARY VIEW raw_checked AS
SELECT
  r.*,
  CASE
    WHEN k_line IS NULL AND item > 0 THEN 'batch reading ' || CAST(item AS STRING) || ' is not valid JSON'
    WHEN k_line IS NULL THEN 'not valid JSON (truncated or malformed line)'
    WHEN k_line <> 'object' AND item > 0 THEN 'batch reading ' || CAST(item AS STRING) || ' is not a JSON object but a JSON ' || k_line
    WHEN k_line <> 'object' THEN 'not a JSON object but a JSON ' || k_line
    WHEN item = 0 AND k_batch IS NOT NULL AND k_batch <> 'array' THEN 'batch is a JSON ' || k_batch || ', expected an array of readings'
    WHEN item = 0 AND k_batch = 'array' THEN 'batch is an empty array'
    WHEN k_v IS NULL THEN 'schema version v is missing'
    WHEN k_v <> 'integer' THEN 'schema version v is a JSON ' || k_v || ', expected an integer'
    WHEN s_v NOT IN ('1', '2') THEN 'unknown schema version v=' || s_v || ' (known: 1, 2)'
    WHEN k_thing IS NULL THEN 'thing is missing'
    WHEN k_thing <> 'string' THEN 'thing is a JSON ' || k_thing || ', expected a string'
    WHEN regexp_extract(s_thing, '^[A-Za-z0-9:_-]{1,128}$', 0) <> s_thing THEN 'thing is not a valid thing name (1 to 128 of A-Z a-z 0-9 : _ -)'
    WHEN k_topic_thing IS NOT NULL AND (k_topic_thing <> 'string' OR s_topic_thing <> s_thing) THEN 'thing ' || s_thing || ' differs from the thing of the topic it was published on'
    WHEN k_boot IS NULL THEN 'boot is missing'
    WHEN k_boot <> 'integer' THEN 'boot is a JSON ' || k_boot || ', expected an integer'
    WHEN TRY_CAST(s_boot AS DOUBLE) < 1 OR TRY_CAST(s_boot AS DOUBLE) > 2147483647 THEN 'boot ' || s_boot || ' is out of range (1 to 2147483647)'
    WHEN k_seq IS NULL THEN 'seq is missing'
    WHEN k_seq <> 'integer' THEN 'seq is a JSON ' || k_seq || ', expected an integer'
    WHEN TRY_CAST(s_seq AS DOUBLE) < 1 OR TRY_CAST(s_seq AS DOUBLE) > 2147483647 THEN 'seq ' || s_seq || ' is out of range (1 to 2147483647)'
    WHEN k_ts IS NULL THEN 'ts is missing'
    WHEN k_ts <> 'integer' THEN 'ts is a JSON ' || k_ts || ', expected an integer (ms since the Unix epoch)'
    WHEN TRY_CAST(s_ts AS DOUBLE) < 1000000000000 OR TRY_CAST(s_ts AS DOUBLE) >= 4102444800000 THEN 'ts ' || s_ts || ' is not a time in ms between 2001-09-09 and 2100-01-01'
    WHEN s_v = '2' AND k_interval_s IS NULL THEN 'interval_s is missing (required in v2)'
    WHEN k_interval_s IS NOT NULL AND k_interval_s <> 'integer' THEN 'interval_s is a JSON ' || k_interval_s || ', expected an integer'
    WHEN k_interval_s IS NOT NULL AND (TRY_CAST(s_interval_s AS DOUBLE) < 1 OR TRY_CAST(s_interval_s AS DOUBLE) > 86400) THEN 'interval_s ' || s_interval_s || ' is out of range (1 to 86400)'
    WHEN k_received_at IS NOT NULL AND k_received_at <> 'integer' THEN 'received_at is a JSON ' || k_received_at || ', expected an integer'
    WHEN k_health IS NULL THEN 'health is missing'
    WHEN k_health <> 'object' THEN 'health is a JSON ' || k_health || ', expected an object'
    WHEN k_temperature_c IS NOT NULL AND k_temperature_c NOT IN ('integer', 'number') THEN 'temperature_c is a JSON ' || k_temperature_c || ', expected a number or absent'
    WHEN k_humidity_pct IS NOT NULL AND k_humidity_pct NOT IN ('integer', 'number') THEN 'humidity_pct is a JSON ' || k_humidity_pct || ', expected a number or absent'
    WHEN k_pm1_ugm3 IS NOT NULL AND k_pm1_ugm3 NOT IN ('integer', 'number') THEN 'pm1_ugm3 is a JSON ' || k_pm1_ugm3 || ', expected a number or absent'
    WHEN k_pm2_5_ugm3 IS NOT NULL AND k_pm2_5_ugm3 NOT IN ('integer', 'number') THEN 'pm2_5_ugm3 is a JSON ' || k_pm2_5_ugm3 || ', expected a number or absent'
    WHEN k_pm10_ugm3 IS NOT NULL AND k_pm10_ugm3 NOT IN ('integer', 'number') THEN 'pm10_ugm3 is a JSON ' || k_pm10_ugm3 || ', expected a number or absent'
    WHEN k_co_ppb IS NOT NULL AND k_co_ppb NOT IN ('integer', 'number') THEN 'co_ppb is a JSON ' || k_co_ppb || ', expected a number or absent'
    WHEN k_no2_ppb IS NOT NULL AND k_no2_ppb NOT IN ('integer', 'number') THEN 'no2_ppb is a JSON ' || k_no2_ppb || ', expected a number or absent'
    WHEN k_so2_ppb IS NOT NULL AND k_so2_ppb NOT IN ('integer', 'number') THEN 'so2_ppb is a JSON ' || k_so2_ppb || ', expected a number or absent'
    WHEN k_o3_ppb IS NOT NULL AND k_o3_ppb NOT IN ('integer', 'number') THEN 'o3_ppb is a JSON ' || k_o3_ppb || ', expected a number or absent'
    WHEN k_anomaly IS NOT NULL AND k_anomaly NOT IN ('integer', 'number') THEN 'anomaly is a JSON ' || k_anomaly || ', expected a number or absent'
    WHEN k_anomaly IS NOT NULL AND (TRY_CAST(s_anomaly AS DOUBLE) < 0 OR TRY_CAST(s_anomaly AS DOUBLE) > 1) THEN 'anomaly ' || s_anomaly || ' is out of range (0 to 1)'
    WHEN kh_temperature_c IS NOT NULL AND kh_temperature_c <> 'string' THEN 'health.temperature_c is a JSON ' || kh_temperature_c || ', expected a string'
    WHEN kh_humidity_pct IS NOT NULL AND kh_humidity_pct <> 'string' THEN 'health.humidity_pct is a JSON ' || kh_humidity_pct || ', expected a string'
    WHEN kh_pm1_ugm3 IS NOT NULL AND kh_pm1_ugm3 <> 'string' THEN 'health.pm1_ugm3 is a JSON ' || kh_pm1_ugm3 || ', expected a string'
    WHEN kh_pm2_5_ugm3 IS NOT NULL AND kh_pm2_5_ugm3 <> 'string' THEN 'health.pm2_5_ugm3 is a JSON ' || kh_pm2_5_ugm3 || ', expected a string'
    WHEN kh_pm10_ugm3 IS NOT NULL AND kh_pm10_ugm3 <> 'string' THEN 'health.pm10_ugm3 is a JSON ' || kh_pm10_ugm3 || ', expected a string'
    WHEN kh_co_ppb IS NOT NULL AND kh_co_ppb <> 'string' THEN 'health.co_ppb is a JSON ' || kh_co_ppb || ', expected a string'
    WHEN kh_no2_ppb IS NOT NULL AND kh_no2_ppb <> 'string' THEN 'health.no2_ppb is a JSON ' || kh_no2_ppb || ', expected a string'
    WHEN kh_so2_ppb IS NOT NULL AND kh_so2_ppb <> 'string' THEN 'health.so2_ppb is a JSON ' || kh_so2_ppb || ', expected a string'
    WHEN kh_o3_ppb IS NOT NULL AND kh_o3_ppb <> 'string' THEN 'health.o3_ppb is a JSON ' || kh_o3_ppb || ', expected a string'
    WHEN kh_sht4x IS NOT NULL AND kh_sht4x <> 'string' THEN 'health.sht4x is a JSON ' || kh_sht4x || ', expected a string'
    WHEN kh_pms5003 IS NOT NULL AND kh_pms5003 <> 'string' THEN 'health.pms5003 is a JSON ' || kh_pms5003 || ', expected a string'
  END AS reason
FROM raw_parsed r;

CREATE OR REPLACE TEMPORARY VIEW quarantine AS
SELECT source_file, line_number, item, line, reason
FROM raw_checked
WHERE reason IS NOT NULL;

-- One shape for both versions. v1 reported health per sensor (sht4x, pms5003): each channel of a
-- sensor takes its sensor's health, so a query on channel health covers v1 readings too.
CREATE OR REPLACE TEMPORARY VIEW readings_typed AS
SELECT
  CAST(s_v AS INT) AS v,
  s_thing AS thing,
  CAST(s_boot AS BIGINT) AS boot,
  CAST(s_seq AS BIGINT) AS seq,
  CAST(s_ts AS BIGINT) AS ts,
  CAST(s_interval_s AS INT) AS interval_s,
  CAST(get_json_object(line, '$.temperature_c') AS DOUBLE) AS temperature_c,
  CAST(get_json_object(line, '$.humidity_pct') AS DOUBLE) AS humidity_pct,
  CAST(get_json_object(line, '$.pm1_ugm3') AS DOUBLE) AS pm1_ugm3,
  CAST(get_json_object(line, '$.pm2_5_ugm3') AS DOUBLE) AS pm2_5_ugm3,
  CAST(get_json_object(line, '$.pm10_ugm3') AS DOUBLE) AS pm10_ugm3,
  CAST(get_json_object(line, '$.co_ppb') AS DOUBLE) AS co_ppb,
  CAST(get_json_object(line, '$.no2_ppb') AS DOUBLE) AS no2_ppb,
  CAST(get_json_object(line, '$.so2_ppb') AS DOUBLE) AS so2_ppb,
  CAST(get_json_object(line, '$.o3_ppb') AS DOUBLE) AS o3_ppb,
  TRY_CAST(s_anomaly AS DOUBLE) AS anomaly,
  CASE WHEN s_v = '1' THEN get_json_object(line, '$.health.sht4x') ELSE get_json_object(line, '$.health.temperature_c') END AS health_temperature_c,
  CASE WHEN s_v = '1' THEN get_json_object(line, '$.health.sht4x') ELSE get_json_object(line, '$.health.humidity_pct') END AS health_humidity_pct,
  CASE WHEN s_v = '1' THEN get_json_object(line, '$.health.pms5003') ELSE get_json_object(line, '$.health.pm1_ugm3') END AS health_pm1_ugm3,
  CASE WHEN s_v = '1' THEN get_json_object(line, '$.health.pms5003') ELSE get_json_object(line, '$.health.pm2_5_ugm3') END AS health_pm2_5_ugm3,
  CASE WHEN s_v = '1' THEN get_json_object(line, '$.health.pms5003') ELSE get_json_object(line, '$.health.pm10_ugm3') END AS health_pm10_ugm3,
  CASE WHEN s_v = '1' THEN CAST(NULL AS STRING) ELSE get_json_object(line, '$.health.co_ppb') END AS health_co_ppb,
  CASE WHEN s_v = '1' THEN CAST(NULL AS STRING) ELSE get_json_object(line, '$.health.no2_ppb') END AS health_no2_ppb,
  CASE WHEN s_v = '1' THEN CAST(NULL AS STRING) ELSE get_json_object(line, '$.health.so2_ppb') END AS health_so2_ppb,
  CASE WHEN s_v = '1' THEN CAST(NULL AS STRING) ELSE get_json_object(line, '$.health.o3_ppb') END AS health_o3_ppb,
  CAST(s_received_at AS BIGINT) AS received_at,
  source_file,
  line_number,
  item,
  CAST(DATE '1970-01-01' + CAST(floor(CAST(s_ts AS BIGINT) / 86400000) AS INT) AS STRING) AS date
FROM raw_checked
WHERE reason IS NULL;

-- Of several copies of a reading (a QoS 1 redelivery, a store-and-forward resend) the first to
-- reach the cloud is kept, so a rerun over the same objects keeps the same copy.
CREATE OR REPLACE TEMPORARY VIEW readings_ranked AS
SELECT
  t.*,
  row_number() OVER (PARTITION BY thing, boot, seq ORDER BY received_at ASC NULLS LAST, source_file ASC, line_number ASC, item ASC) AS copy_rank
FROM readings_typed t;

CREATE OR REPLACE TEMPORARY VIEW curated AS
SELECT
  thing, boot, seq, ts, v, interval_s,
  temperature_c, humidity_pct, pm1_ugm3, pm2_5_ugm3, pm10_ugm3, co_ppb, no2_ppb, so2_ppb, o3_ppb, anomaly,
  health_temperature_c, health_humidity_pct, health_pm1_ugm3, health_pm2_5_ugm3, health_pm10_ugm3,
  health_co_ppb, health_no2_ppb, health_so2_ppb, health_o3_ppb,
  received_at, source_file, line_number, date
FROM readings_ranked
WHERE copy_rank = 1;

CREATE OR REPLACE TEMPORARY VIEW duplicates AS
SELECT thing, boot, seq, source_file, line_number, item
FROM readings_ranked
WHERE copy_rank > 1
