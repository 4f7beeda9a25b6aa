import assert from "node:assert/strict";
import { test } from "node:test";
import { TopicFilter } from "../../../../../host-tools/local-cloud/iot-core/rules/TopicFilter.ts";

const cases: [filter: string, topic: string, matches: boolean][] = [
  ["dt/aqm/+/telemetry", "dt/aqm/aqm-sim-001/telemetry", true],
  ["dt/aqm/+/telemetry", "dt/aqm/telemetry", false],
  ["dt/aqm/+/telemetry", "dt/aqm/a/b/telemetry", false],
  ["dt/aqm/+/telemetry", "dt/aqm/a/telemetry/extra", false],
  ["dt/aqm/+/telemetry", "dt/aqm//telemetry", true],
  ["dt/aqm/+/telemetry", "DT/aqm/a/telemetry", false],
  ["dt/aqm/#", "dt/aqm/a/telemetry", true],
  ["dt/aqm/#", "dt/aqm", true],
  ["dt/aqm/#", "dt/aqmx/a", false],
  ["#", "anything/at/all", true],
  ["#", "$aws/things/a/shadow/update", false],
  ["+/things/+/shadow/update", "$aws/things/a/shadow/update", false],
  ["$aws/things/+/shadow/update", "$aws/things/a/shadow/update", true],
  ["a/b", "a/b", true],
  ["a/b", "a/b/", false],
];

for (const [filter, topic, matches] of cases) {
  test(`'${filter}' ${matches ? "matches" : "does not match"} '${topic}'`, () => {
    assert.equal(TopicFilter.parse(filter).matches(topic), matches);
  });
}

test("malformed filters are refused with the character at fault", () => {
  assert.throws(() => TopicFilter.parse(""), { message: "the topic filter is empty", position: 1 });
  assert.throws(() => TopicFilter.parse("a/b+"), { message: "+ must be a whole level of the topic filter", position: 4 });
  assert.throws(() => TopicFilter.parse("#/a"), { message: "# must be the last level of the topic filter", position: 1 });
});
