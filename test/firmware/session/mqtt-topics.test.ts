import assert from "node:assert/strict";
import { test } from "node:test";
import { shadowTopicPrefix, telemetryTopic } from "../../../firmware/session/MqttTopics";
import { DEVICE_POLICY_FILE } from "../../../cloud/lib/iotFiles.ts";
import { IotPolicy, type IotPolicyContext } from "../../../host-tools/local-cloud/iot-core/IotPolicy.ts";
import { loadTelemetryTopicRule } from "../../../host-tools/local-cloud/iot-core/rules/TelemetryRule.ts";

const THING = "aqm-topics-1";
const board: IotPolicyContext = { clientId: THING, thingName: THING, region: "eu-west-1", accountId: "123456789012" };
const policy = IotPolicy.load(DEVICE_POLICY_FILE);

test("a board's topics are named after its thing", () => {
  assert.equal(telemetryTopic(THING), "dt/aqm/aqm-topics-1/telemetry");
  assert.equal(shadowTopicPrefix(THING), "$aws/things/aqm-topics-1/shadow");
});

test("the cloud's telemetry rule (cloud/iot/telemetry-rule.json) reads every board's telemetry topic, and only that", () => {
  const { from } = loadTelemetryTopicRule().statement;
  assert.equal(from.text, telemetryTopic("+"));
  assert.ok(from.matches(telemetryTopic(THING)));
  assert.ok(!from.matches(`${shadowTopicPrefix(THING)}/update`));
});

test("the device policy (cloud/iot/device-policy.json) lets a board use its own topics and no other board's", () => {
  const shadow = shadowTopicPrefix(THING);
  assert.ok(policy.allows("iot:Publish", `topic/${telemetryTopic(THING)}`, board));
  assert.ok(!policy.allows("iot:Publish", `topic/${telemetryTopic("aqm-topics-2")}`, board));
  for (const request of ["get", "update"]) assert.ok(policy.allows("iot:Publish", `topic/${shadow}/${request}`, board), request);
  for (const answer of ["get/accepted", "get/rejected", "update/delta", "update/rejected"]) {
    assert.ok(policy.allows("iot:Subscribe", `topicfilter/${shadow}/${answer}`, board), answer);
    assert.ok(policy.allows("iot:Receive", `topic/${shadow}/${answer}`, board), answer);
  }
  assert.ok(!policy.allows("iot:Subscribe", `topicfilter/${shadowTopicPrefix("aqm-topics-2")}/update/delta`, board));
});
