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
--          utf8         BOOLEAN false when the line's bytes were not UTF-8 (the text then shows
--                               each invalid byte as U+FFFD)
--        Spark: spark.read.option("wholetext", "true").text(paths), then
--          posexplode(split(value, chr(10))) gives (pos, line): line_number = pos + 1; drop the
--          empty string after the final newline. input_file_name() gives source_file.
--
-- RANGES a view `telemetry_ranges` (channel STRING, min DOUBLE, max DOUBLE), one row per channel:
--        the range table of firmware/telemetry/Channels.ts (CHANNELS[].min/max), which the board
--        samples with and docs/telemetry-schema.md lists. The runner creates it from that table
--        (cloud/lib/transformFiles.ts: telemetryRanges()); this file holds no range of a channel.
--
-- FUNCTIONS: Spark SQL built-ins only, so the Glue job registers nothing. DuckDB runs the same
--   text: host-tools/local-cloud/lake/DuckDbDialect.ts gives it the Spark functions it lacks
--   (macros, and from_json rewritten to one json_transform per call) with Spark's answers.
--   from_json(json, 'name TYPE, ...')   one parse per call: a struct of the named fields. TYPE is
--                                       BIGINT (a JSON integer that fits 64 bits), DOUBLE (a JSON
--                                       number), STRING (a string, or the JSON text of any other
--                                       value) or ARRAY<STRING> (the JSON texts of an array's
--                                       elements). A value of another type, a JSON null and an
--                                       absent key all give NULL.
--   json_object_keys(json)              the keys of a JSON object (twice if a key is repeated),
--                                       NULL when json is not a JSON object
--   size(array), array_distinct(array), array_contains(array, value), element_at(array, n)
--                                       (n from 1), explode(array), sequence(first, last)
--   Every line is parsed once for its fields and once for its keys, and a reading's health object
--   once more for its own; no check is a function call per field.
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
--   raw_checked (every item: where it came from, its fields, its reason, NULL when valid, and the
--               text of a refused one) feeds all three: a runner may materialise it once
--               (DuckDB: a temporary table; Spark: cache it). item_checks has every check's inputs.
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
--   * types: STRING, INT, BIGINT, DOUBLE, BOOLEAN only; TRY_CAST (Spark 3.2+) where a value may not parse.

-- A line is one reading, or a batch {"batch": [reading, ...]} that a board sends when it has a
-- backlog to catch up on (one message, one 5 KB billing unit, for a dozen readings). The topic
-- rule adds topic_thing and received_at to the line, so to a batch once: they are read from the
-- envelope (the whole line), the rest from each reading. Every reading of a batch is an item of
-- its own, numbered from 1 (0 for a line that is not a batch), checked, kept or quarantined alone.
-- Each line's keys (NULL for a line that is not one JSON object), and its fields in one parse.
CREATE OR REPLACE TEMPORARY VIEW raw_envelopes AS
SELECT e.*, CASE WHEN envelope_keys IS NOT NULL THEN from_json(line, 'v BIGINT, thing STRING, boot BIGINT, seq BIGINT, ts BIGINT, interval_s BIGINT, temperature_c DOUBLE, humidity_pct DOUBLE, pm1_ugm3 DOUBLE, pm2_5_ugm3 DOUBLE, pm10_ugm3 DOUBLE, co_ppb DOUBLE, no2_ppb DOUBLE, so2_ppb DOUBLE, o3_ppb DOUBLE, anomaly DOUBLE, health STRING, batch ARRAY<STRING>, topic_thing STRING, received_at BIGINT') END AS f
FROM (SELECT source_file, line_number, line, utf8, CASE WHEN utf8 THEN json_object_keys(line) END AS envelope_keys FROM raw_lines) e;

-- One pass over the lines, no union: a batch line becomes its items 1 … n, any other line item 0,
-- which reads the envelope's own parse. Only a batch's readings are parsed again, one each.
CREATE OR REPLACE TEMPORARY VIEW raw_items AS
SELECT
  source_file, line_number, item, utf8, envelope_keys, s_topic_thing, received_at, reading AS line, reading_keys,
  CASE WHEN item = 0 THEN f WHEN reading_keys IS NOT NULL THEN from_json(reading, 'v BIGINT, thing STRING, boot BIGINT, seq BIGINT, ts BIGINT, interval_s BIGINT, temperature_c DOUBLE, humidity_pct DOUBLE, pm1_ugm3 DOUBLE, pm2_5_ugm3 DOUBLE, pm10_ugm3 DOUBLE, co_ppb DOUBLE, no2_ppb DOUBLE, so2_ppb DOUBLE, o3_ppb DOUBLE, anomaly DOUBLE, health STRING, batch ARRAY<STRING>, topic_thing STRING, received_at BIGINT') END AS r
FROM (
  SELECT b.*, CASE WHEN item = 0 THEN envelope_keys ELSE json_object_keys(reading) END AS reading_keys
  FROM (
    SELECT s.*, CASE WHEN item = 0 THEN line ELSE element_at(f.batch, item) END AS reading
    FROM (
      SELECT source_file, line_number, line, utf8, envelope_keys, f, f.topic_thing AS s_topic_thing, f.received_at AS received_at,
        explode(CASE WHEN envelope_keys IS NOT NULL AND array_contains(envelope_keys, 'batch') AND size(f.batch) > 0 THEN sequence(1, size(f.batch)) ELSE sequence(0, 0) END) AS item
      FROM raw_envelopes
    ) s
  ) b
) i;

-- The health object's keys and values, parsed from the reading's health alone.
CREATE OR REPLACE TEMPORARY VIEW raw_parsed AS
SELECT
  p.*,
  CASE WHEN health_keys IS NOT NULL THEN from_json(r.health, 'temperature_c STRING, humidity_pct STRING, pm1_ugm3 STRING, pm2_5_ugm3 STRING, pm10_ugm3 STRING, co_ppb STRING, no2_ppb STRING, so2_ppb STRING, o3_ppb STRING, sht4x STRING, pms5003 STRING') END AS h
FROM (
  SELECT i.*, json_object_keys(r.health) AS health_keys,
    -- Spark's parser takes a line that goes on after its object, and one with a comma before a
    -- closing bracket; DuckDB's takes the second. Both are refused here, alike on both engines.
    CASE WHEN reading_keys IS NOT NULL THEN json_array_length('[' || line || ']') END AS documents,
    regexp_extract(line, ',[ ' || chr(9) || chr(10) || chr(13) || ']*(}|])', 0) AS trailing_comma
  FROM raw_items i
) p;

-- The channels' ranges as one row, so each is compared in the same pass as every other check.
CREATE OR REPLACE TEMPORARY VIEW channel_ranges AS
SELECT
  max(CASE WHEN channel = 'temperature_c' THEN min END) AS temperature_c_min, max(CASE WHEN channel = 'temperature_c' THEN max END) AS temperature_c_max,
  max(CASE WHEN channel = 'humidity_pct' THEN min END) AS humidity_pct_min, max(CASE WHEN channel = 'humidity_pct' THEN max END) AS humidity_pct_max,
  max(CASE WHEN channel = 'pm1_ugm3' THEN min END) AS pm1_ugm3_min, max(CASE WHEN channel = 'pm1_ugm3' THEN max END) AS pm1_ugm3_max,
  max(CASE WHEN channel = 'pm2_5_ugm3' THEN min END) AS pm2_5_ugm3_min, max(CASE WHEN channel = 'pm2_5_ugm3' THEN max END) AS pm2_5_ugm3_max,
  max(CASE WHEN channel = 'pm10_ugm3' THEN min END) AS pm10_ugm3_min, max(CASE WHEN channel = 'pm10_ugm3' THEN max END) AS pm10_ugm3_max,
  max(CASE WHEN channel = 'co_ppb' THEN min END) AS co_ppb_min, max(CASE WHEN channel = 'co_ppb' THEN max END) AS co_ppb_max,
  max(CASE WHEN channel = 'no2_ppb' THEN min END) AS no2_ppb_min, max(CASE WHEN channel = 'no2_ppb' THEN max END) AS no2_ppb_max,
  max(CASE WHEN channel = 'so2_ppb' THEN min END) AS so2_ppb_min, max(CASE WHEN channel = 'so2_ppb' THEN max END) AS so2_ppb_max,
  max(CASE WHEN channel = 'o3_ppb' THEN min END) AS o3_ppb_min, max(CASE WHEN channel = 'o3_ppb' THEN max END) AS o3_ppb_max
FROM telemetry_ranges;

-- The first thing wrong with a reading, in words; NULL when it is a valid reading. A field of the
-- wrong type reads as NULL (see from_json above): present (its key is there) but NULL is "not a …".
-- A channel missing from telemetry_ranges would have NULL bounds and refuse nothing: the runners
-- build the view from the whole table (CHANNELS), never from part of it.
-- Each check tests a field's value before it looks for the field's key: the same answer, and a
-- valid reading never searches its list of keys. Nor does it look for a repeated key: an object
-- whose every key is a field read with a value (a count of fields) has no key twice.
CREATE OR REPLACE TEMPORARY VIEW item_checks AS
SELECT
  p.*,
  CASE
    WHEN NOT utf8 THEN 'not UTF-8 text (the line shows each invalid byte as U+FFFD)'
    WHEN (reading_keys IS NULL OR documents IS NULL OR trailing_comma <> '') AND item > 0 THEN 'batch reading ' || CAST(item AS STRING) || ' is not a JSON object'
    WHEN reading_keys IS NULL OR documents IS NULL OR trailing_comma <> '' THEN 'not a JSON object (truncated or malformed, or another JSON value)'
    WHEN size(reading_keys) > CAST(r.v IS NOT NULL AS INT) + CAST(r.thing IS NOT NULL AS INT) + CAST(r.boot IS NOT NULL AS INT) + CAST(r.seq IS NOT NULL AS INT) + CAST(r.ts IS NOT NULL AS INT) + CAST(r.interval_s IS NOT NULL AS INT) + CAST(r.temperature_c IS NOT NULL AS INT) + CAST(r.humidity_pct IS NOT NULL AS INT) + CAST(r.pm1_ugm3 IS NOT NULL AS INT) + CAST(r.pm2_5_ugm3 IS NOT NULL AS INT) + CAST(r.pm10_ugm3 IS NOT NULL AS INT) + CAST(r.co_ppb IS NOT NULL AS INT) + CAST(r.no2_ppb IS NOT NULL AS INT) + CAST(r.so2_ppb IS NOT NULL AS INT) + CAST(r.o3_ppb IS NOT NULL AS INT) + CAST(r.anomaly IS NOT NULL AS INT) + CAST(r.health IS NOT NULL AS INT) + CAST(r.batch IS NOT NULL AS INT) + CAST(r.topic_thing IS NOT NULL AS INT) + CAST(r.received_at IS NOT NULL AS INT) AND size(array_distinct(reading_keys)) < size(reading_keys) THEN 'a key appears twice (JSON parsers disagree on which one counts)'
    WHEN item = 0 AND r.batch IS NULL AND array_contains(reading_keys, 'batch') THEN 'batch is not an array of readings'
    WHEN item = 0 AND r.batch IS NOT NULL THEN 'batch is an empty array'
    WHEN r.v IS NULL AND NOT array_contains(reading_keys, 'v') THEN 'schema version v is missing'
    WHEN r.v IS NULL THEN 'schema version v is not an integer'
    WHEN r.v NOT IN (1, 2) THEN 'unknown schema version v=' || CAST(r.v AS STRING) || ' (known: 1, 2)'
    WHEN r.thing IS NULL AND NOT array_contains(reading_keys, 'thing') THEN 'thing is missing'
    WHEN r.thing IS NULL THEN 'thing is not a string'
    WHEN regexp_extract(r.thing, '^[A-Za-z0-9:_-]{1,128}$', 0) <> r.thing THEN 'thing is not a valid thing name (1 to 128 of A-Z a-z 0-9 : _ -)'
    WHEN (s_topic_thing IS NULL OR s_topic_thing <> r.thing) AND array_contains(envelope_keys, 'topic_thing') THEN 'thing ' || r.thing || ' differs from the thing of the topic it was published on'
    WHEN r.boot IS NULL AND NOT array_contains(reading_keys, 'boot') THEN 'boot is missing'
    WHEN r.boot IS NULL THEN 'boot is not an integer'
    WHEN r.boot < 1 OR r.boot > 2147483647 THEN 'boot ' || CAST(r.boot AS STRING) || ' is out of range (1 to 2147483647)'
    WHEN r.seq IS NULL AND NOT array_contains(reading_keys, 'seq') THEN 'seq is missing'
    WHEN r.seq IS NULL THEN 'seq is not an integer'
    WHEN r.seq < 1 OR r.seq > 2147483647 THEN 'seq ' || CAST(r.seq AS STRING) || ' is out of range (1 to 2147483647)'
    WHEN r.ts IS NULL AND NOT array_contains(reading_keys, 'ts') THEN 'ts is missing'
    WHEN r.ts IS NULL THEN 'ts is not an integer (ms since the Unix epoch)'
    WHEN r.ts < 1000000000000 OR r.ts >= 4102444800000 THEN 'ts ' || CAST(r.ts AS STRING) || ' is not a time in ms between 2001-09-09 and 2100-01-01'
    WHEN r.v = 2 AND r.interval_s IS NULL AND NOT array_contains(reading_keys, 'interval_s') THEN 'interval_s is missing (required in v2)'
    WHEN r.interval_s IS NULL AND array_contains(reading_keys, 'interval_s') THEN 'interval_s is not an integer'
    WHEN r.interval_s < 1 OR r.interval_s > 86400 THEN 'interval_s ' || CAST(r.interval_s AS STRING) || ' is out of range (1 to 86400)'
    WHEN received_at IS NULL AND array_contains(envelope_keys, 'received_at') THEN 'received_at is not an integer'
    WHEN r.health IS NULL AND NOT array_contains(reading_keys, 'health') THEN 'health is missing'
    WHEN health_keys IS NULL THEN 'health is not an object'
    WHEN size(health_keys) > CAST(h.temperature_c IS NOT NULL AS INT) + CAST(h.humidity_pct IS NOT NULL AS INT) + CAST(h.pm1_ugm3 IS NOT NULL AS INT) + CAST(h.pm2_5_ugm3 IS NOT NULL AS INT) + CAST(h.pm10_ugm3 IS NOT NULL AS INT) + CAST(h.co_ppb IS NOT NULL AS INT) + CAST(h.no2_ppb IS NOT NULL AS INT) + CAST(h.so2_ppb IS NOT NULL AS INT) + CAST(h.o3_ppb IS NOT NULL AS INT) + CAST(h.sht4x IS NOT NULL AS INT) + CAST(h.pms5003 IS NOT NULL AS INT) AND size(array_distinct(health_keys)) < size(health_keys) THEN 'a key of health appears twice (JSON parsers disagree on which one counts)'
    WHEN r.temperature_c IS NULL AND array_contains(reading_keys, 'temperature_c') THEN 'temperature_c is not a number'
    WHEN r.humidity_pct IS NULL AND array_contains(reading_keys, 'humidity_pct') THEN 'humidity_pct is not a number'
    WHEN r.pm1_ugm3 IS NULL AND array_contains(reading_keys, 'pm1_ugm3') THEN 'pm1_ugm3 is not a number'
    WHEN r.pm2_5_ugm3 IS NULL AND array_contains(reading_keys, 'pm2_5_ugm3') THEN 'pm2_5_ugm3 is not a number'
    WHEN r.pm10_ugm3 IS NULL AND array_contains(reading_keys, 'pm10_ugm3') THEN 'pm10_ugm3 is not a number'
    WHEN r.co_ppb IS NULL AND array_contains(reading_keys, 'co_ppb') THEN 'co_ppb is not a number'
    WHEN r.no2_ppb IS NULL AND array_contains(reading_keys, 'no2_ppb') THEN 'no2_ppb is not a number'
    WHEN r.so2_ppb IS NULL AND array_contains(reading_keys, 'so2_ppb') THEN 'so2_ppb is not a number'
    WHEN r.o3_ppb IS NULL AND array_contains(reading_keys, 'o3_ppb') THEN 'o3_ppb is not a number'
    WHEN r.anomaly IS NULL AND array_contains(reading_keys, 'anomaly') THEN 'anomaly is not a number'
    WHEN r.temperature_c < temperature_c_min OR r.temperature_c > temperature_c_max THEN 'temperature_c is out of range (' || CAST(temperature_c_min AS STRING) || ' to ' || CAST(temperature_c_max AS STRING) || ')'
    WHEN r.humidity_pct < humidity_pct_min OR r.humidity_pct > humidity_pct_max THEN 'humidity_pct is out of range (' || CAST(humidity_pct_min AS STRING) || ' to ' || CAST(humidity_pct_max AS STRING) || ')'
    WHEN r.pm1_ugm3 < pm1_ugm3_min OR r.pm1_ugm3 > pm1_ugm3_max THEN 'pm1_ugm3 is out of range (' || CAST(pm1_ugm3_min AS STRING) || ' to ' || CAST(pm1_ugm3_max AS STRING) || ')'
    WHEN r.pm2_5_ugm3 < pm2_5_ugm3_min OR r.pm2_5_ugm3 > pm2_5_ugm3_max THEN 'pm2_5_ugm3 is out of range (' || CAST(pm2_5_ugm3_min AS STRING) || ' to ' || CAST(pm2_5_ugm3_max AS STRING) || ')'
    WHEN r.pm10_ugm3 < pm10_ugm3_min OR r.pm10_ugm3 > pm10_ugm3_max THEN 'pm10_ugm3 is out of range (' || CAST(pm10_ugm3_min AS STRING) || ' to ' || CAST(pm10_ugm3_max AS STRING) || ')'
    WHEN r.co_ppb < co_ppb_min OR r.co_ppb > co_ppb_max THEN 'co_ppb is out of range (' || CAST(co_ppb_min AS STRING) || ' to ' || CAST(co_ppb_max AS STRING) || ')'
    WHEN r.no2_ppb < no2_ppb_min OR r.no2_ppb > no2_ppb_max THEN 'no2_ppb is out of range (' || CAST(no2_ppb_min AS STRING) || ' to ' || CAST(no2_ppb_max AS STRING) || ')'
    WHEN r.so2_ppb < so2_ppb_min OR r.so2_ppb > so2_ppb_max THEN 'so2_ppb is out of range (' || CAST(so2_ppb_min AS STRING) || ' to ' || CAST(so2_ppb_max AS STRING) || ')'
    WHEN r.o3_ppb < o3_ppb_min OR r.o3_ppb > o3_ppb_max THEN 'o3_ppb is out of range (' || CAST(o3_ppb_min AS STRING) || ' to ' || CAST(o3_ppb_max AS STRING) || ')'
    WHEN r.anomaly < 0 OR r.anomaly > 1 THEN 'anomaly is out of range (0 to 1)'
    WHEN (h.temperature_c IS NULL OR (h.temperature_c NOT IN ('ok', 'warming') AND substr(h.temperature_c, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'temperature_c') THEN 'health.temperature_c is not ok, warming or fault:<code>'
    WHEN (h.humidity_pct IS NULL OR (h.humidity_pct NOT IN ('ok', 'warming') AND substr(h.humidity_pct, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'humidity_pct') THEN 'health.humidity_pct is not ok, warming or fault:<code>'
    WHEN (h.pm1_ugm3 IS NULL OR (h.pm1_ugm3 NOT IN ('ok', 'warming') AND substr(h.pm1_ugm3, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'pm1_ugm3') THEN 'health.pm1_ugm3 is not ok, warming or fault:<code>'
    WHEN (h.pm2_5_ugm3 IS NULL OR (h.pm2_5_ugm3 NOT IN ('ok', 'warming') AND substr(h.pm2_5_ugm3, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'pm2_5_ugm3') THEN 'health.pm2_5_ugm3 is not ok, warming or fault:<code>'
    WHEN (h.pm10_ugm3 IS NULL OR (h.pm10_ugm3 NOT IN ('ok', 'warming') AND substr(h.pm10_ugm3, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'pm10_ugm3') THEN 'health.pm10_ugm3 is not ok, warming or fault:<code>'
    WHEN (h.co_ppb IS NULL OR (h.co_ppb NOT IN ('ok', 'warming') AND substr(h.co_ppb, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'co_ppb') THEN 'health.co_ppb is not ok, warming or fault:<code>'
    WHEN (h.no2_ppb IS NULL OR (h.no2_ppb NOT IN ('ok', 'warming') AND substr(h.no2_ppb, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'no2_ppb') THEN 'health.no2_ppb is not ok, warming or fault:<code>'
    WHEN (h.so2_ppb IS NULL OR (h.so2_ppb NOT IN ('ok', 'warming') AND substr(h.so2_ppb, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'so2_ppb') THEN 'health.so2_ppb is not ok, warming or fault:<code>'
    WHEN (h.o3_ppb IS NULL OR (h.o3_ppb NOT IN ('ok', 'warming') AND substr(h.o3_ppb, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'o3_ppb') THEN 'health.o3_ppb is not ok, warming or fault:<code>'
    WHEN (h.sht4x IS NULL OR (h.sht4x NOT IN ('ok', 'warming') AND substr(h.sht4x, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'sht4x') THEN 'health.sht4x is not ok, warming or fault:<code>'
    WHEN (h.pms5003 IS NULL OR (h.pms5003 NOT IN ('ok', 'warming') AND substr(h.pms5003, 1, 6) <> 'fault:')) AND array_contains(health_keys, 'pms5003') THEN 'health.pms5003 is not ok, warming or fault:<code>'
  END AS reason
FROM raw_parsed p CROSS JOIN channel_ranges;

-- What the outputs read of an item, and no more: the view a runner holds in memory keeps the text
-- of a refused item for the quarantine, not the text and key lists of every valid one.
CREATE OR REPLACE TEMPORARY VIEW raw_checked AS
SELECT source_file, line_number, item, received_at, r, h, reason, CASE WHEN reason IS NOT NULL THEN line END AS line
FROM item_checks;

CREATE OR REPLACE TEMPORARY VIEW quarantine AS
SELECT source_file, line_number, item, line, reason
FROM raw_checked
WHERE reason IS NOT NULL;

-- One shape for both versions. v1 reported health per sensor (sht4x, pms5003): each channel of a
-- sensor takes its sensor's health, so a query on channel health covers v1 readings too.
CREATE OR REPLACE TEMPORARY VIEW readings_typed AS
SELECT
  CAST(r.v AS INT) AS v,
  r.thing AS thing,
  r.boot AS boot,
  r.seq AS seq,
  r.ts AS ts,
  CAST(r.interval_s AS INT) AS interval_s,
  r.temperature_c AS temperature_c,
  r.humidity_pct AS humidity_pct,
  r.pm1_ugm3 AS pm1_ugm3,
  r.pm2_5_ugm3 AS pm2_5_ugm3,
  r.pm10_ugm3 AS pm10_ugm3,
  r.co_ppb AS co_ppb,
  r.no2_ppb AS no2_ppb,
  r.so2_ppb AS so2_ppb,
  r.o3_ppb AS o3_ppb,
  r.anomaly AS anomaly,
  CASE WHEN r.v = 1 THEN h.sht4x ELSE h.temperature_c END AS health_temperature_c,
  CASE WHEN r.v = 1 THEN h.sht4x ELSE h.humidity_pct END AS health_humidity_pct,
  CASE WHEN r.v = 1 THEN h.pms5003 ELSE h.pm1_ugm3 END AS health_pm1_ugm3,
  CASE WHEN r.v = 1 THEN h.pms5003 ELSE h.pm2_5_ugm3 END AS health_pm2_5_ugm3,
  CASE WHEN r.v = 1 THEN h.pms5003 ELSE h.pm10_ugm3 END AS health_pm10_ugm3,
  CASE WHEN r.v = 1 THEN CAST(NULL AS STRING) ELSE h.co_ppb END AS health_co_ppb,
  CASE WHEN r.v = 1 THEN CAST(NULL AS STRING) ELSE h.no2_ppb END AS health_no2_ppb,
  CASE WHEN r.v = 1 THEN CAST(NULL AS STRING) ELSE h.so2_ppb END AS health_so2_ppb,
  CASE WHEN r.v = 1 THEN CAST(NULL AS STRING) ELSE h.o3_ppb END AS health_o3_ppb,
  received_at,
  source_file,
  line_number,
  item,
  CAST(DATE '1970-01-01' + CAST(floor(r.ts / 86400000) AS INT) AS STRING) AS date
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
