import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { evaluateStatement, RuleEvaluationError, type RuleResult } from "../../../../../host-tools/local-cloud/iot-core/rules/IotSqlEvaluator.ts";
import { IotSqlParser } from "../../../../../host-tools/local-cloud/iot-core/rules/IotSqlParser.ts";

const NOW = Date.UTC(2026, 2, 23, 12, 0, 0);
const TOPIC = "dt/aqm/aqm-sim-007/telemetry";

function run(sql: string, payload: string | Uint8Array, topic = TOPIC, clientId = "aqm-sim-007"): RuleResult {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  return evaluateStatement(IotSqlParser.parse(sql, "test"), { topic, clientId, payload: bytes }, () => NOW);
}

/** The record the rule sends, as text; fails the test when the rule did not fire or sent bytes. */
function output(sql: string, payload: string | Uint8Array, topic?: string): string {
  const result = run(sql, payload, topic);
  assert.ok(result.fired, `${sql} fired`);
  assert.equal(typeof result.record, "string", "a JSON record");
  return result.record as string;
}

const selected: [sql: string, payload: string, expected: string][] = [
  [
    "SELECT *, topic(3) AS topic_thing, timestamp() AS received_at FROM 'dt/aqm/+/telemetry'",
    '{"v":2,"thing":"aqm-sim-007","seq":4}',
    `{"v":2,"thing":"aqm-sim-007","seq":4,"topic_thing":"aqm-sim-007","received_at":${NOW}}`,
  ],
  ["SELECT topic() AS t, topic(1) AS first, topic(4) AS last FROM '#'", "{}", `{"t":"${TOPIC}","first":"dt","last":"telemetry"}`],
  ["SELECT topic(5) AS beyond FROM '#'", "{}", "{}"],
  ["SELECT clientid() AS who FROM '#'", "{}", '{"who":"aqm-sim-007"}'],
  ["SELECT a, missing, b.c AS deep, b.nope AS gone FROM '#'", '{"a":1,"b":{"c":[1,2]}}', '{"a":1,"deep":[1,2]}'],
  ["SELECT a FROM '#'", '{"a":null}', '{"a":null}'],
  ["SELECT a.b AS x FROM '#'", '{"a":"not an object"}', "{}"],
  ["SELECT constructor AS c, toString AS s FROM '#'", '{"x":1}', "{}"],
  ["SELECT 'text' AS s, 42 AS n, -1.5 AS m, true AS t, NULL AS z FROM '#'", "{}", '{"s":"text","n":42,"m":-1.5,"t":true,"z":null}'],
  ["SELECT *, 'new' AS color FROM '#'", '{"color":"red","size":2}', '{"color":"new","size":2}'],
  ["SELECT *, missing AS color FROM '#'", '{"color":"red"}', '{"color":"red"}'],
  ["SELECT *, topic(3) AS topic_thing FROM '#'", "", '{"topic_thing":"aqm-sim-007"}'],
  ["SELECT a > 1 AS big, isNull(a) AS n, isUndefined(q) AS u FROM '#'", '{"a":2}', '{"big":true,"n":false,"u":true}'],
  ["SELECT * FROM '#'", '{ "pretty": [1,\n 2] }', '{"pretty":[1,2]}'],
];

for (const [sql, payload, expected] of selected) {
  test(`${sql} of ${JSON.stringify(payload)} → ${expected}`, () => {
    assert.equal(output(sql, payload), expected);
  });
}

const where: [condition: string, payload: string, fires: boolean][] = [
  ["temperature > 50", '{"temperature":100}', true],
  ["temperature > 50", '{"temperature":40}', false],
  ["temperature > 50", "{}", false],
  ["NOT temperature > 50", "{}", false],
  ["temperature > 50 OR true", "{}", false],
  ["temperature > '50'", '{"temperature":100}', true],
  ["temperature = 100.0", '{"temperature":100}', true],
  ["color <> 'red'", '{"color":"blue"}', true],
  ["color <> 'red'", "{}", false],
  ["color = 'red' AND temperature >= 40", '{"color":"red","temperature":40}', true],
  ["color = 'red' AND temperature < 40", '{"color":"red","temperature":40}', false],
  ["NOT (color = 'red')", '{"color":"red"}', false],
  ["flag", '{"flag":"TRUE"}', true],
  ["flag", '{"flag":1}', false],
  ["a.b = 'x'", '{"a":{"b":"x"}}', true],
  ["a = 1", '[{"a":1}]', false],
  ["isNull(a)", '{"a":null}', true],
  ["isUndefined(a)", '{"a":null}', false],
  ["topic(3) = clientid()", "{}", true],
  ["timestamp() = " + NOW, "{}", true],
  ["list = list", '{"list":[1,{"k":2}]}', true],
  ["'b' > 'a'", "{}", true],
  ["true > false", "{}", false],
];

for (const [condition, payload, fires] of where) {
  test(`WHERE ${condition} with ${payload} ${fires ? "fires" : "does not fire"}`, () => {
    assert.equal(run(`SELECT * FROM '#' WHERE ${condition}`, payload).fired, fires);
  });
}

test("SELECT * alone passes a payload that is not JSON through as its raw bytes", () => {
  const bytes = new Uint8Array([0xff, 0x00, 0x7b, 0x80]);
  const result = run("SELECT * FROM '#'", bytes);
  assert.ok(result.fired);
  assert.deepEqual(result.record, bytes);
});

test("WHERE on a field of a payload that is not JSON is Undefined: the rule does not fire and nothing fails", () => {
  assert.equal(run("SELECT * FROM '#' WHERE device_type = 'thermostat'", "not json").fired, false);
});

test("a SELECT list that reads a payload that is not JSON is an evaluation error saying why", () => {
  assert.throws(
    () => run("SELECT *, topic(3) AS topic_thing FROM '#'", "{oops"),
    (error: unknown) => {
      assert.ok(error instanceof RuleEvaluationError);
      assert.match(error.message, /^SELECT \* with other items needs a JSON object payload, but the payload of 5 bytes is not JSON: it is not JSON \(/);
      return true;
    },
  );
  assert.throws(() => run("SELECT a FROM '#'", new Uint8Array([0xc3, 0x28])), {
    message: "SELECT reads the field a but the payload of 2 bytes is not JSON: it is not UTF-8 text",
  });
  assert.throws(() => run("SELECT *, 1 AS n FROM '#'", "[1,2]"), {
    message: "SELECT * with other items needs a JSON object payload, but the payload is a JSON array",
  });
});

test("a SELECT list that does not read the payload works whatever the payload", () => {
  assert.equal(output("SELECT topic(3) AS thing FROM '#'", "\u0000binary"), '{"thing":"aqm-sim-007"}');
});

test("SELECT * keeps every key and value of any JSON object payload, and adds the rule's items after them", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (payload) => {
      const text = JSON.stringify(payload);
      const expected = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual(JSON.parse(output("SELECT * FROM '#'", text)), expected);
      const withExtras = JSON.parse(output("SELECT *, topic(3) AS topic_thing, timestamp() AS received_at FROM '#'", text)) as Record<string, unknown>;
      assert.deepEqual(withExtras, Object.assign(Object.fromEntries(Object.entries(expected)), { topic_thing: "aqm-sim-007", received_at: NOW }));
      const added = ["topic_thing", "received_at"].filter((key) => !Object.hasOwn(expected, key));
      assert.deepEqual(Object.keys(withExtras), [...Object.keys(expected), ...added], "payload keys keep their order; new items come last");
    }),
    { numRuns: 300 },
  );
});

test("a payload key named __proto__ stays a plain key of the output", () => {
  assert.equal(output("SELECT *, 1 AS n FROM '#'", '{"__proto__":{"polluted":true}}'), '{"__proto__":{"polluted":true},"n":1}');
});
