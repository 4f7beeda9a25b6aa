import type { ChannelRange } from "../../../cloud/lib/transformFiles.ts";

/**
 * The functions the shared SQL expects that DuckDB does not have under those names. The shared
 * files are written for the cloud engines (Spark SQL for the transformation, Athena/Trino for the
 * operators' queries); DuckDB gets macros with the same names and answers, so the files run
 * unchanged on both sides.
 */

/**
 * For cloud/transform/telemetry.sql: the Spark built-ins it calls that DuckDB lacks or names
 * otherwise, with Spark's answers. from_json is not among them: its schema is a string DuckDB
 * cannot read at run time, so `sparkTransform` rewrites each call (see there).
 */
export const TRANSFORM_FUNCTIONS: readonly string[] = [
  // The SQL asks for keys before anything else, so this is the one validity test of a line.
  // A valid document that starts with { is an object: one parse fewer than asking json_type.
  `CREATE OR REPLACE TEMPORARY MACRO json_object_keys(j) AS CASE WHEN starts_with(ltrim(j), '{') AND json_valid(j) THEN json_keys(j) END`,
  `CREATE OR REPLACE TEMPORARY MACRO size(list) AS len(list)`,
  `CREATE OR REPLACE TEMPORARY MACRO array_distinct(list) AS list_distinct(list)`,
  `CREATE OR REPLACE TEMPORARY MACRO element_at(list, n) AS list_element(list, n)`,
  // Spark's names for one row per list element and for the list 1 … n, which the SQL uses to
  // split a batch into its readings.
  `CREATE OR REPLACE TEMPORARY MACRO explode(list) AS unnest(list)`,
  `CREATE OR REPLACE TEMPORARY MACRO sequence(first, last) AS generate_series(first, last)`,
  // Spark's from_json conversions of a number, from its JSON text (json_transform's "JSON"):
  // BIGINT takes a JSON integer that fits (DuckDB's cast would round 1.5 and read "1e3", "0x10", "+5");
  // DOUBLE takes any JSON number, one beyond the double range as ±Infinity, and Jackson's names of
  // the non-finite values. The common case is one cast; the rare ones (a rounded or hex cast, a
  // number beyond the double range, a quoted non-finite name) are only looked at when the cast gave
  // nothing or gave it wrong.
  `CREATE OR REPLACE TEMPORARY MACRO spark_bigint(j) AS CASE WHEN CAST(TRY_CAST(CAST(j AS VARCHAR) AS BIGINT) AS VARCHAR) = CAST(j AS VARCHAR) OR CAST(j AS VARCHAR) = '-0' THEN TRY_CAST(CAST(j AS VARCHAR) AS BIGINT) END`,
  `CREATE OR REPLACE TEMPORARY MACRO spark_double(j) AS coalesce(TRY_CAST(CAST(j AS VARCHAR) AS DOUBLE), CASE
     WHEN regexp_full_match(CAST(j AS VARCHAR), '-?[0-9][0-9.eE+-]*') THEN CASE WHEN starts_with(CAST(j AS VARCHAR), '-') THEN '-inf' ELSE 'inf' END::DOUBLE
     WHEN CAST(j AS VARCHAR) = '"NaN"' THEN 'nan'::DOUBLE
     WHEN CAST(j AS VARCHAR) IN ('"Infinity"', '"+Infinity"', '"+INF"') THEN 'inf'::DOUBLE
     WHEN CAST(j AS VARCHAR) IN ('"-Infinity"', '"-INF"') THEN '-inf'::DOUBLE
   END)`,
];

const FROM_JSON_CALL = /from_json\(([A-Za-z_][A-Za-z0-9_.]*), '([^']*)'\)/g;
const FIELD = /^([a-z_][a-z0-9_]*) (BIGINT|DOUBLE|STRING|ARRAY<STRING>)$/;
// How json_transform reads a field of each type, and what makes Spark's value of what it read. A
// STRING is json_transform's VARCHAR as it is (a string unquoted, any other value's JSON text, a
// JSON null NULL), which is Spark's answer: the golden test (test/cloud/transform) runs both.
const FIELD_TYPES: Readonly<Record<string, { readonly read: string | readonly string[]; readonly convert?: (value: string) => string }>> = {
  BIGINT: { read: "JSON", convert: (v) => `spark_bigint(${v})` },
  DOUBLE: { read: "JSON", convert: (v) => `spark_double(${v})` },
  STRING: { read: "VARCHAR" },
  "ARRAY<STRING>": { read: ["VARCHAR"] },
};

/**
 * The shared transformation as DuckDB runs it: each `from_json(column, 'name TYPE, …')` becomes one
 * json_transform of the column (one parse) whose numbers are then converted as Spark converts them. A schema this cannot rewrite is refused with the field named,
 * so a new type in the SQL fails here rather than giving DuckDB's own answers.
 */
export function sparkTransform(sql: string): string {
  // Comments go first (the SQL has no "--" in a literal), so that one quoting a call is not rewritten.
  return sql.replace(/--[^\n]*/g, "").replace(FROM_JSON_CALL, (_call, column: string, schema: string) => {
    const fields = schema.split(",").map((f) => {
      const match = FIELD.exec(f.trim());
      if (match === null) throw new Error(`from_json schema field "${f.trim()}": DuckDbDialect rewrites only "name BIGINT|DOUBLE|STRING|ARRAY<STRING>"`);
      return { name: match[1]!, type: match[2]! };
    });
    const structure = JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, FIELD_TYPES[f.type]!.read])));
    const transformed = `json_transform(${column}, ${sqlString(structure)})`;
    if (fields.every((f) => FIELD_TYPES[f.type]!.convert === undefined)) return transformed;
    // A one-element list and a lambda bind the parsed struct once, where a macro would copy the parse into every field.
    const converted = fields.map((f) => `${f.name} := ${FIELD_TYPES[f.type]!.convert?.(`t.${f.name}`) ?? `t.${f.name}`}`).join(", ");
    return `list_transform([${transformed}], t -> struct_pack(${converted}))[1]`;
  });
}

/**
 * The statements that make a DuckDB connection run the shared transformation: the functions, the
 * `telemetry_ranges` view from the channels' range table, and the SQL itself, rewritten.
 */
export function transformStatements(sql: string, ranges: readonly ChannelRange[]): string[] {
  const rows = ranges.map((r) => `(${sqlString(r.channel)}, CAST(${r.min} AS DOUBLE), CAST(${r.max} AS DOUBLE))`).join(", ");
  return [
    ...TRANSFORM_FUNCTIONS,
    `CREATE OR REPLACE TEMPORARY VIEW telemetry_ranges AS SELECT * FROM (VALUES ${rows}) AS r (channel, min, max)`,
    sparkTransform(sql),
  ];
}

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
