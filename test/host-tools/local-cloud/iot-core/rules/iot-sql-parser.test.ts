import assert from "node:assert/strict";
import { test } from "node:test";
import { IotSqlError } from "../../../../../host-tools/local-cloud/iot-core/rules/IotSqlError.ts";
import { IotSqlParser } from "../../../../../host-tools/local-cloud/iot-core/rules/IotSqlParser.ts";

const PROJECT_SQL = "SELECT *, topic(3) AS topic_thing, timestamp() AS received_at FROM 'dt/aqm/+/telemetry'";

test("the project's telemetry rule parses into *, topic(3) AS topic_thing, timestamp() AS received_at from dt/aqm/+/telemetry", () => {
  const statement = IotSqlParser.parse(PROJECT_SQL, "telemetry-rule.json");
  assert.equal(statement.from.text, "dt/aqm/+/telemetry");
  assert.equal(statement.where, undefined);
  assert.deepEqual(
    statement.select.map((item) =>
      item.kind === "all"
        ? "*"
        : `${item.expression.kind === "call" ? `${item.expression.name}(${item.expression.args.length})` : item.expression.kind} AS ${item.name}`,
    ),
    ["*", "topic(1) AS topic_thing", "timestamp(0) AS received_at"],
  );
});

test("keywords and function names are case-insensitive; a bare field path is named by its last segment", () => {
  const statement = IotSqlParser.parse("select a.b, ClientId() as who from 'x/#' where NOT (a.c >= -2.5 or isUndefined(d)) and e <> 'f'", "r");
  assert.deepEqual(
    statement.select.map((item) => (item.kind === "value" ? item.name : "*")),
    ["b", "who"],
  );
  const where = statement.where!;
  assert.equal(where.kind, "and");
  assert.ok(where.kind === "and" && where.left.kind === "not" && where.left.operand.kind === "or");
  assert.ok(where.kind === "and" && where.right.kind === "compare" && where.right.operator === "<>");
  const or = where.kind === "and" && where.left.kind === "not" ? where.left.operand : undefined;
  assert.ok(or?.kind === "or" && or.left.kind === "compare" && or.left.right.kind === "literal" && or.left.right.value === -2.5, "a negative number literal");
});

test("AND binds tighter than OR", () => {
  const where = IotSqlParser.parse("SELECT * FROM 't' WHERE a = 1 OR b = 2 AND c = 3", "r").where!;
  assert.ok(where.kind === "or" && where.right.kind === "and");
});

const rejected: [sql: string, message: string][] = [
  ["SELECT upper(x) AS u FROM 't'", "rule telemetry-rule.json: unsupported function upper() at column 8"],
  ["SELECT a + 1 AS b FROM 't'", "rule telemetry-rule.json: unsupported operator + at column 10"],
  ["SELECT * FROM 't' WHERE a != 1", "rule telemetry-rule.json: unsupported operator != (use <>) at column 27"],
  ["SELECT * FROM 't' WHERE a IS NULL", "rule telemetry-rule.json: unsupported keyword IS at column 27"],
  ["SELECT CASE a WHEN 1 THEN 2 END AS c FROM 't'", "rule telemetry-rule.json: unsupported keyword CASE at column 8"],
  [
    "SELECT * FROM 't' WHERE a = \"b\"",
    'rule telemetry-rule.json: unsupported quoting " (strings use single quotes; quoted field names are not supported) at column 29',
  ],
  ["SELECT topic(0) AS t FROM 't'", "rule telemetry-rule.json: topic() takes a topic level number from 1 (the subset takes a literal) at column 14"],
  ["SELECT timestamp(1) AS t FROM 't'", "rule telemetry-rule.json: timestamp() takes 0 arguments, not 1 at column 8"],
  ["SELECT timestamp() FROM 't'", "rule telemetry-rule.json: a selected value that is not a field needs a name: add AS <name> at column 8"],
  ["SELECT *, * FROM 't'", "rule telemetry-rule.json: * is selected twice at column 11"],
  ["SELECT * FROM 'dt/a#/x'", "rule telemetry-rule.json: topic filter 'dt/a#/x': # must be a whole level of the topic filter at column 20"],
  ["SELECT * FROM 'dt/#/x'", "rule telemetry-rule.json: topic filter 'dt/#/x': # must be the last level of the topic filter at column 19"],
  ["SELECT * FROM telemetry", "rule telemetry-rule.json: expected the topic filter in single quotes after FROM, found telemetry at column 15"],
  ["SELECT * FROM 't' WHERE a < b < c", "rule telemetry-rule.json: unsupported chained comparison < (use AND) at column 31"],
  ["SELECT * FROM 't' LIMIT 1", "rule telemetry-rule.json: unexpected LIMIT after the statement at column 19"],
  ["SELECT * FROM 't' WHERE a = 'open", "rule telemetry-rule.json: string literal is never closed with ' at column 29"],
  ["SELECT * FROM 't' WHERE", "rule telemetry-rule.json: expected a value, found the end of the statement at column 24"],
  ["SELECT a[0] AS b FROM 't'", 'rule telemetry-rule.json: unexpected character "[" at column 9'],
];

for (const [sql, message] of rejected) {
  test(`rejected with its column: ${sql}`, () => {
    assert.throws(
      () => IotSqlParser.parse(sql, "telemetry-rule.json"),
      (error: unknown) => {
        assert.ok(error instanceof IotSqlError);
        assert.equal(error.message, message);
        assert.equal(error.column, Number(/column (\d+)$/.exec(message)![1]));
        return true;
      },
    );
  });
}
