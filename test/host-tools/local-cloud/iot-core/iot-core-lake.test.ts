import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LocalCa } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import { LocalIotCore } from "../../../../host-tools/local-cloud/iot-core/LocalIotCore.ts";
import { TELEMETRY_RULE_NAME } from "../../../../host-tools/local-cloud/iot-core/rules/TelemetryRule.ts";
import { ThingRegistry } from "../../../../host-tools/local-cloud/iot-core/ThingRegistry.ts";
import { connectMqttJs, lakeObjects, startIotCore, testAcceptedLog, until } from "./iot-core-fixture.ts";

// The core owns the cloud's telemetry path when given a lake: rule, Firehose and error action.

const READING = JSON.stringify({ v: 2, thing: "aqm-lake-001", boot: 1, seq: 1, pm2_5_ugm3: 5.1 });

async function withLake(run: (lake: string) => Promise<void>): Promise<void> {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-core-lake-"));
  try {
    await run(lake);
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
}

test("the core's Firehose holds an acknowledged reading in its buffer, and stop() writes it out before it resolves", () =>
  withLake(async (lake) => {
    const { ca, core, port, events } = await startIotCore({ lake: { dir: lake, bufferMs: 60_000 } });
    try {
      const client = await connectMqttJs(port, ca, "aqm-lake-001");
      await client.publishAsync("dt/aqm/aqm-lake-001/telemetry", READING, { qos: 1 });
      await until(() => events.some((e) => e.kind === "delivered"), "the delivered event");
      const delivered = events.find((e) => e.kind === "delivered");
      assert.ok(delivered?.kind === "delivered");
      assert.deepEqual(
        [delivered.thing, delivered.topic, Buffer.from(delivered.payload).toString()],
        ["aqm-lake-001", "dt/aqm/aqm-lake-001/telemetry", READING],
      );
      assert.deepEqual(lakeObjects(lake, "raw"), [], "buffered, not yet written");
      assert.deepEqual(core.lake, { dir: lake, messages: 1, records: 0, objects: 0, errors: 0 });
      await client.endAsync();
      await core.stop();
      assert.equal(lakeObjects(lake, "raw").flatMap((object) => object.lines).length, 1);
      assert.deepEqual(core.lake, { dir: lake, messages: 1, records: 1, objects: 1, errors: 0 });
    } finally {
      await core.stop();
    }
  }));

test("only topics the rule reads reach the lake: a status message and a shadow request pass the core without a record", () =>
  withLake(async (lake) => {
    const { ca, core, port, events } = await startIotCore({ lake: { dir: lake } });
    try {
      const client = await connectMqttJs(port, ca, "aqm-lake-002");
      await client.publishAsync("dt/aqm/aqm-lake-002/status", '{"online":true}', { qos: 1 });
      await client.publishAsync("$aws/things/aqm-lake-002/shadow/get", "", { qos: 1 });
      await client.endAsync();
      await core.stop();
      assert.equal(events.filter((e) => e.kind === "message").length, 2, "the core saw both");
      assert.deepEqual(
        events.filter((e) => e.kind === "delivered" || e.kind === "undelivered"),
        [],
      );
      assert.deepEqual(core.lake, { dir: lake, messages: 0, records: 0, objects: 0, errors: 0 });
      assert.equal(existsSync(path.join(lake, "raw")), false);
    } finally {
      await core.stop();
    }
  }));

test("a reading the rule cannot read goes to the error action at once and is reported undelivered, its record under errors/", () =>
  withLake(async (lake) => {
    const { ca, core, port, events } = await startIotCore({ lake: { dir: lake } });
    try {
      const client = await connectMqttJs(port, ca, "aqm-lake-003");
      await client.publishAsync("dt/aqm/aqm-lake-003/telemetry", "pm=3", { qos: 1 });
      await until(() => events.some((e) => e.kind === "undelivered"), "the undelivered event");
      const undelivered = events.find((e) => e.kind === "undelivered");
      assert.ok(undelivered?.kind === "undelivered");
      assert.deepEqual(
        [undelivered.rule, undelivered.thing, undelivered.topic, undelivered.recorded],
        [TELEMETRY_RULE_NAME, "aqm-lake-003", "dt/aqm/aqm-lake-003/telemetry", true],
      );
      assert.match(undelivered.detail, /the payload of 4 bytes is not JSON/);
      const [errors] = lakeObjects(lake, "errors");
      assert.equal(errors?.lines.length, 1, "written before the event, not at stop()");
      assert.deepEqual(core.lake, { dir: lake, messages: 1, records: 0, objects: 0, errors: 1 });
      await client.endAsync();
    } finally {
      await core.stop();
    }
  }));

test("when even the error record cannot be written, the message is reported undelivered and unrecorded, with why", () =>
  withLake(async (lake) => {
    // A file where the errors/ folder should be: no error record can be written under it.
    writeFileSync(path.join(lake, "errors"), "");
    const { ca, core, port, events } = await startIotCore({ lake: { dir: lake } });
    try {
      const client = await connectMqttJs(port, ca, "aqm-lake-004");
      await client.publishAsync("dt/aqm/aqm-lake-004/telemetry", "pm=3", { qos: 1 });
      await until(() => events.some((e) => e.kind === "undelivered"), "the undelivered event");
      const undelivered = events.find((e) => e.kind === "undelivered");
      assert.ok(undelivered?.kind === "undelivered");
      assert.equal(undelivered.recorded, false);
      assert.match(undelivered.detail, /^no error record holds it: .*(ENOTDIR|EEXIST)/);
      assert.deepEqual(core.lake, { dir: lake, messages: 1, records: 0, objects: 0, errors: 0 });
      await client.endAsync();
    } finally {
      await core.stop();
    }
  }));

test("a core without a lake runs no rule: telemetry is acknowledged and seen, and goes nowhere", async () => {
  const { ca, core, port, events } = await startIotCore();
  try {
    const client = await connectMqttJs(port, ca, "aqm-lake-005");
    await client.publishAsync("dt/aqm/aqm-lake-005/telemetry", "pm=3", { qos: 1 });
    await client.endAsync();
    assert.equal(core.lake, undefined);
    assert.ok(events.some((e) => e.kind === "message" && e.thing === "aqm-lake-005"));
    assert.deepEqual(
      events.filter((e) => e.kind === "delivered" || e.kind === "undelivered"),
      [],
    );
  } finally {
    await core.stop();
  }
});

test("a core whose lake stop() closed will not start again", () =>
  withLake(async (lake) => {
    const ca = await LocalCa.createEphemeral("test CA");
    const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
    const core = new LocalIotCore({
      port: 0,
      caPem: ca.certPem,
      certPem: server.certPem,
      keyPem: server.keyPem,
      registry: ThingRegistry.inMemory(),
      lake: { dir: lake, acceptedLog: testAcceptedLog(lake) },
    });
    await core.start();
    await core.stop();
    await assert.rejects(
      core.start(),
      (error: Error) => error.message === `the local IoT Core's lake ${lake} was closed by stop(); create a new LocalIotCore to start again`,
    );
  }));

test("a lake option the core cannot use is refused when the core is made, naming the option", async () => {
  const ca = await LocalCa.createEphemeral("test CA");
  const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
  const make = (lake: { dir: string; bufferMs?: number }) =>
    new LocalIotCore({
      port: 0,
      caPem: ca.certPem,
      certPem: server.certPem,
      keyPem: server.keyPem,
      registry: ThingRegistry.inMemory(),
      lake: { ...lake, acceptedLog: "accepted.log" },
    });
  assert.throws(() => make({ dir: "" }), /the local IoT Core's lake\.dir is empty/);
  assert.throws(() => make({ dir: "lake", bufferMs: 0 }), /the local IoT Core's lake\.bufferMs must be a positive number of milliseconds, got 0/);
});
