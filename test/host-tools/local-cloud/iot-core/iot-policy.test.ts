import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { DEVICE_POLICY_FILE } from "../../../../cloud/lib/iotFiles.ts";
import { IotPolicy, type IotPolicyContext } from "../../../../host-tools/local-cloud/iot-core/IotPolicy.ts";

const devicePolicy = IotPolicy.load(DEVICE_POLICY_FILE);
const account = { region: "eu-west-1", accountId: "123456789012" };
const board1: IotPolicyContext = { clientId: "board-1", thingName: "board-1", ...account };

/** A policy of the given statements, as the document AWS takes. */
function policy(...statements: unknown[]): IotPolicy {
  return IotPolicy.parse({ Version: "2012-10-17", Statement: statements }, "test-policy.json");
}

describe("the deployed device policy (cloud/iot/device-policy.json)", () => {
  test("each statement allows its own thing's resources, and says which statement did", () => {
    const cases: [string, string, string][] = [
      ["iot:Connect", "client/board-1", "ConnectAsOwnThing"],
      ["iot:Publish", "topic/dt/aqm/board-1/telemetry", "PublishOwnTelemetryAndShadow"],
      ["iot:Publish", "topic/$aws/things/board-1/shadow/update", "PublishOwnTelemetryAndShadow"],
      ["iot:Subscribe", "topicfilter/cmd/aqm/board-1/#", "SubscribeOwnCommandsAndShadow"],
      ["iot:Subscribe", "topicfilter/cmd/aqm/board-1/+", "SubscribeOwnCommandsAndShadow"],
      ["iot:Subscribe", "topicfilter/$aws/things/board-1/shadow/update/delta", "SubscribeOwnCommandsAndShadow"],
      ["iot:Receive", "topic/cmd/aqm/board-1/reboot", "ReceiveOwnCommandsAndShadow"],
      ["iot:Receive", "topic/$aws/things/board-1/shadow/update/delta", "ReceiveOwnCommandsAndShadow"],
    ];
    for (const [action, resource, statement] of cases) {
      assert.deepEqual(devicePolicy.decide(action, resource, board1), { allowed: true, statement }, `${action} ${resource}`);
    }
  });

  test("another thing's client ID and topics are refused", () => {
    const refused: [string, string][] = [
      ["iot:Connect", "client/board-2"],
      ["iot:Publish", "topic/dt/aqm/board-2/telemetry"],
      ["iot:Publish", "topic/$aws/things/board-2/shadow/update"],
      ["iot:Subscribe", "topicfilter/cmd/aqm/board-2/#"],
      ["iot:Subscribe", "topicfilter/$aws/things/board-2/shadow/update/delta"],
      ["iot:Receive", "topic/cmd/aqm/board-2/reboot"],
      ["iot:Receive", "topic/$aws/things/other/shadow/update/delta"],
    ];
    for (const [action, resource] of refused) assert.deepEqual(devicePolicy.decide(action, resource, board1), { allowed: false }, `${action} ${resource}`);
  });

  test("a thing name that only starts like this thing's (board-10 for board-1) is another thing", () => {
    assert.equal(devicePolicy.allows("iot:Publish", "topic/dt/aqm/board-10/telemetry", board1), false);
    assert.equal(devicePolicy.allows("iot:Subscribe", "topicfilter/cmd/aqm/board-10/#", board1), false);
    assert.equal(devicePolicy.allows("iot:Publish", "topic/dt/aqm/board-1", board1), false, "the thing's level itself, with nothing under it");
  });

  test("MQTT wildcards in a topic filter are plain characters: they cannot reach over other things", () => {
    for (const filter of [
      "dt/aqm/+/telemetry",
      "cmd/aqm/+/reboot",
      "cmd/aqm/+/#",
      "cmd/aqm/#",
      "#",
      "+/aqm/board-1/x",
      "$aws/things/+/shadow/#",
      "$aws/things/#",
    ]) {
      assert.equal(devicePolicy.allows("iot:Subscribe", `topicfilter/${filter}`, board1), false, filter);
    }
  });

  test("each action is allowed only where its own statement says: no publishing commands, no subscribing to telemetry", () => {
    assert.equal(devicePolicy.allows("iot:Publish", "topic/cmd/aqm/board-1/reboot", board1), false);
    assert.equal(devicePolicy.allows("iot:Subscribe", "topicfilter/dt/aqm/board-1/telemetry", board1), false);
    assert.equal(devicePolicy.allows("iot:Receive", "topic/dt/aqm/board-1/telemetry", board1), false);
    assert.equal(devicePolicy.allows("iot:Subscribe", "topic/cmd/aqm/board-1/reboot", board1), false, "Subscribe is on topicfilter/, not topic/");
    assert.equal(devicePolicy.allows("iot:DeleteThingShadow", "topic/dt/aqm/board-1/telemetry", board1), false);
  });

  test("a certificate attached to no thing may not connect, nor use any thing's topics", () => {
    const unattached: IotPolicyContext = { clientId: "board-1", ...account };
    assert.equal(devicePolicy.allows("iot:Connect", "client/board-1", unattached), false);
    assert.equal(devicePolicy.allows("iot:Publish", "topic/dt/aqm/board-1/telemetry", unattached), false);
  });

  test("${AWS::Region} and ${AWS::AccountId} take the context's values, the ones the stack substitutes at deploy time", () => {
    const elsewhere = { ...board1, region: "us-east-1", accountId: "999999999999" };
    assert.equal(devicePolicy.allows("iot:Publish", "topic/dt/aqm/board-1/telemetry", elsewhere), true);
    const pinned = policy({ Effect: "Allow", Action: "iot:Publish", Resource: "arn:aws:iot:eu-west-1:123456789012:topic/*" });
    assert.equal(pinned.allows("iot:Publish", "topic/x", board1), true);
    assert.equal(pinned.allows("iot:Publish", "topic/x", elsewhere), false);
  });
});

describe("IAM semantics", () => {
  test("an explicit Deny beats any Allow, whatever the order; anything else an Allow grants stays granted", () => {
    const allowAll = { Sid: "All", Effect: "Allow", Action: "iot:*", Resource: "*" };
    const denySecret = { Sid: "NoSecrets", Effect: "Deny", Action: "iot:Publish", Resource: "arn:aws:iot:*:*:topic/dt/aqm/*/secret" };
    for (const p of [policy(allowAll, denySecret), policy(denySecret, allowAll)]) {
      assert.deepEqual(p.decide("iot:Publish", "topic/dt/aqm/board-1/secret", board1), { allowed: false, statement: "NoSecrets" });
      assert.deepEqual(p.decide("iot:Publish", "topic/dt/aqm/board-1/telemetry", board1), { allowed: true, statement: "All" });
      assert.deepEqual(p.decide("iot:Receive", "topic/dt/aqm/board-1/secret", board1), { allowed: true, statement: "All" });
    }
  });

  test("nothing is allowed unless a statement allows it", () => {
    const p = policy({ Effect: "Allow", Action: "iot:Connect", Resource: "*" });
    assert.deepEqual(p.decide("iot:Publish", "topic/a", board1), { allowed: false });
    assert.deepEqual(p.decide("iot:Connect", "client/anyone", board1), { allowed: true, statement: "Statement[0]" });
  });

  test("actions: a string or a list, with wildcards, matched without regard to case", () => {
    const p = policy({ Effect: "Allow", Action: ["iot:Pub*", "IOT:receive"], Resource: "*" });
    assert.equal(p.allows("iot:Publish", "topic/a", board1), true);
    assert.equal(p.allows("iot:Receive", "topic/a", board1), true);
    assert.equal(p.allows("iot:Subscribe", "topicfilter/a", board1), false);
    assert.equal(policy({ Effect: "Allow", Action: "iot:?onnect", Resource: "*" }).allows("iot:Connect", "client/a", board1), true);
  });

  test("resources: * spans levels, ? is exactly one character, and the ARN's case matters", () => {
    const p = policy({ Effect: "Allow", Action: "iot:Publish", Resource: ["arn:aws:iot:*:*:topic/room-?/co2", "arn:aws:iot:*:*:topic/site/*/pm"] });
    assert.equal(p.allows("iot:Publish", "topic/room-1/co2", board1), true);
    assert.equal(p.allows("iot:Publish", "topic/room-10/co2", board1), false);
    assert.equal(p.allows("iot:Publish", "topic/room-/co2", board1), false);
    assert.equal(p.allows("iot:Publish", "topic/site/a/b/c/pm", board1), true);
    assert.equal(p.allows("iot:Publish", "topic/Site/a/pm", board1), false);
  });

  test("a variable's value is matched literally: a * in a client ID is no wildcard", () => {
    const p = policy({ Effect: "Allow", Action: "iot:Publish", Resource: "arn:aws:iot:*:*:topic/clients/${iot:ClientId}/out" });
    const starry = { ...board1, clientId: "a*" };
    assert.equal(p.allows("iot:Publish", "topic/clients/a*/out", starry), true);
    assert.equal(p.allows("iot:Publish", "topic/clients/abc/out", starry), false);
    assert.equal(p.allows("iot:Publish", "topic/clients/board-1/out", board1), true);
  });

  test("${*}, ${?} and ${$} stand for the characters themselves", () => {
    const p = policy({ Effect: "Allow", Action: "iot:Publish", Resource: "arn:aws:iot:*:*:topic/odd/${*}${?}${$}{x}" });
    assert.equal(p.allows("iot:Publish", "topic/odd/*?${x}", board1), true);
    assert.equal(p.allows("iot:Publish", "topic/odd/ab${x}", board1), false);
  });

  test("Condition Bool on iot:Connection.Thing.IsAttached, as a string, a list or a JSON boolean", () => {
    const unattached: IotPolicyContext = { clientId: "board-1", ...account };
    for (const value of ["true", ["true"], true, "TRUE"]) {
      const p = policy({ Effect: "Allow", Action: "iot:Connect", Resource: "*", Condition: { Bool: { "iot:Connection.Thing.IsAttached": value } } });
      assert.equal(p.allows("iot:Connect", "client/board-1", board1), true, JSON.stringify(value));
      assert.equal(p.allows("iot:Connect", "client/board-1", unattached), false, JSON.stringify(value));
    }
    const onlyStrangers = policy({
      Effect: "Allow",
      Action: "iot:Connect",
      Resource: "*",
      Condition: { Bool: { "iot:Connection.Thing.IsAttached": "false" } },
    });
    assert.equal(onlyStrangers.allows("iot:Connect", "client/x", unattached), true);
    assert.equal(onlyStrangers.allows("iot:Connect", "client/x", board1), false);
  });

  test("a single statement object is accepted as well as a list", () => {
    const p = IotPolicy.parse({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "iot:Connect", Resource: "*" } }, "single.json");
    assert.equal(p.allows("iot:Connect", "client/x", board1), true);
  });
});

describe("a policy this evaluator cannot evaluate faithfully is an error naming the statement", () => {
  const cases: [string, unknown, RegExp][] = [
    [
      "NotAction",
      { Sid: "Sneaky", Effect: "Allow", NotAction: "iot:Connect", Resource: "*" },
      /^Error: test-policy\.json: statement "Sneaky" \(Statement\[0\]\) uses NotAction, which this evaluator does not support/,
    ],
    ["NotResource", { Effect: "Deny", Action: "iot:*", NotResource: "*" }, /^Error: test-policy\.json: statement Statement\[0\] uses NotResource/],
    ["Principal", { Effect: "Allow", Action: "iot:*", Resource: "*", Principal: "*" }, /statement Statement\[0\] uses Principal/],
    [
      "an unknown condition operator",
      {
        Sid: "Typed",
        Effect: "Allow",
        Action: "iot:Connect",
        Resource: "*",
        Condition: { StringEquals: { "iot:Connection.Thing.ThingTypeName": "aqm-board" } },
      },
      /statement "Typed" \(Statement\[0\]\) Condition uses the condition operator "StringEquals", which is not supported \(supported: Bool\)/,
    ],
    [
      "an IfExists operator",
      { Effect: "Allow", Action: "iot:Connect", Resource: "*", Condition: { BoolIfExists: { "iot:Connection.Thing.IsAttached": "true" } } },
      /condition operator "BoolIfExists", which is not supported/,
    ],
    [
      "an unknown condition key",
      { Effect: "Allow", Action: "iot:Connect", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } },
      /Condition\.Bool uses the condition key "aws:SecureTransport", which is not supported/,
    ],
    [
      "a Bool value that is not a boolean",
      { Effect: "Allow", Action: "iot:Connect", Resource: "*", Condition: { Bool: { "iot:Connection.Thing.IsAttached": "yes" } } },
      /must be "true" or "false", not "yes"/,
    ],
    [
      "an unknown policy variable",
      { Sid: "ByType", Effect: "Allow", Action: "iot:Publish", Resource: "arn:aws:iot:*:*:topic/${iot:Connection.Thing.ThingTypeName}/*" },
      /statement "ByType" \(Statement\[0\]\) Resource ".*" uses the policy variable \$\{iot:Connection\.Thing\.ThingTypeName\}, which is not supported here/,
    ],
    [
      "an unclosed variable",
      { Effect: "Allow", Action: "iot:Publish", Resource: "arn:aws:iot:*:*:topic/${iot:ClientId/x" },
      /statement Statement\[0\] Resource "arn:aws:iot:\*:\*:topic\/\$\{iot:ClientId\/x" has a "\$\{" at character 23 that is never closed/,
    ],
    ["a lower-case effect", { Effect: "allow", Action: "iot:Connect", Resource: "*" }, /has Effect "allow"; it must be "Allow" or "Deny"/],
    ["no Resource", { Sid: "Loose", Effect: "Allow", Action: "iot:Connect" }, /statement "Loose" \(Statement\[0\]\) has no Resource/],
    ["no Action", { Effect: "Allow", Resource: "*" }, /has no Action/],
    ["an action without a service", { Effect: "Allow", Action: "Publish", Resource: "*" }, /has the action "Publish", which is not of the form service:Name/],
    ["an empty Resource list", { Effect: "Allow", Action: "iot:Connect", Resource: [] }, /Resource is an empty list/],
    ["a resource that is not a string", { Effect: "Allow", Action: "iot:Connect", Resource: ["*", 7] }, /Resource\[1\] must be a string, not 7/],
    ["a misspelt element", { Effect: "Allow", Actions: "iot:Connect", Resource: "*" }, /has the unknown element "Actions"/],
    ["a statement that is not an object", "Allow everything", /statement Statement\[0\] is not an object/],
  ];
  for (const [what, statement, message] of cases) {
    test(what, () => assert.throws(() => policy(statement), message));
  }

  test("the statement is found by its position when others come before it", () => {
    assert.throws(
      () => policy({ Effect: "Allow", Action: "iot:Connect", Resource: "*" }, { Sid: "Second", Effect: "Allow", NotAction: "iot:Connect", Resource: "*" }),
      /statement "Second" \(Statement\[1\]\)/,
    );
  });

  test("the document: an old Version (no policy variables), no statements, unknown elements", () => {
    assert.throws(
      () => IotPolicy.parse({ Version: "2008-10-17", Statement: [] }, "old.json"),
      /^Error: old\.json: Version is "2008-10-17"; this evaluator supports "2012-10-17" only$/,
    );
    assert.throws(() => IotPolicy.parse({ Version: "2012-10-17", Statement: [] }, "empty.json"), /empty\.json: the policy has no Statement/);
    assert.throws(() => IotPolicy.parse({ Version: "2012-10-17", Statements: [] }, "typo.json"), /typo\.json: unknown top-level element "Statements"/);
    assert.throws(() => IotPolicy.parse([], "list.json"), /list\.json: an IoT policy must be a JSON object/);
  });

  test("a file that is missing or not JSON is named in the error", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-policy-"));
    try {
      const broken = path.join(dir, "broken.json");
      writeFileSync(broken, '{"Version": "2012-10-17",');
      assert.throws(() => IotPolicy.load(broken), new RegExp(`the IoT policy ${broken.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not valid JSON`));
      assert.throws(() => IotPolicy.load(path.join(dir, "missing.json")), /cannot read the IoT policy .*missing\.json: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
