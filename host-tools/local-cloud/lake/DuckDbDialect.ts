/**
 * The functions the shared SQL expects that DuckDB does not have under those names. The shared
 * files are written for the cloud engines (Spark SQL for the transformation, Athena/Trino for the
 * operators' queries); DuckDB gets macros with the same names and answers, so the files run
 * unchanged on both sides.
 */

/** For cloud/transform/telemetry.sql: Spark's get_json_object, explode and sequence, and json_kind (spark_functions.py is its Spark twin). */
export const TRANSFORM_FUNCTIONS: readonly string[] = [
  // Whether a line is JSON at all ('$') is asked with json_valid; the SQL asks about fields only
  // of lines that are objects, where TRY never has an error to catch (a TRY that catches one
  // re-runs its whole vector row by row, and a json_valid guard on every field parses each line
  // twice per field: 2 to 4× slower in bench:etl).
  `CREATE OR REPLACE TEMPORARY MACRO json_kind(j, p) AS
     CASE CASE WHEN p = '$' THEN CASE WHEN json_valid(j) THEN json_type(j) END ELSE TRY(json_type(j, p)) END
       WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' WHEN 'VARCHAR' THEN 'string'
       WHEN 'UBIGINT' THEN 'integer' WHEN 'BIGINT' THEN 'integer' WHEN 'DOUBLE' THEN 'number'
       WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null'
     END`,
  // The SQL calls it only on lines json_kind accepted as objects, so no validity guard here.
  `CREATE OR REPLACE TEMPORARY MACRO get_json_object(j, p) AS json_extract_string(j, p)`,
  // Spark's names for one row per list element and for the list 1 … n, which the SQL uses to
  // split a batch into its readings.
  `CREATE OR REPLACE TEMPORARY MACRO explode(list) AS unnest(list)`,
  `CREATE OR REPLACE TEMPORARY MACRO sequence(first, last) AS generate_series(first, last)`,
];

/** For cloud/athena/named-queries.json: the Trino functions the queries use. */
export const ATHENA_FUNCTIONS: readonly string[] = [
  `CREATE OR REPLACE TEMPORARY MACRO from_unixtime(seconds) AS to_timestamp(seconds)`,
  `CREATE OR REPLACE TEMPORARY MACRO to_unixtime(t) AS epoch(t)`,
];

/** Timestamps print in UTC, as Athena prints them. */
export const SESSION_SETTINGS: readonly string[] = [`SET TimeZone = 'UTC'`];

/** A string as a DuckDB SQL literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
