import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { telemetryTopic } from "../../../../firmware/session/MqttTopics.ts";
import { ShadowRejected, ShadowService } from "../../../../host-tools/local-cloud/iot-core/ShadowService.ts";

/**
 * The local Device Shadow service against AWS IoT's documented rules: merging, metadata,
 * versions and optimistic locking, client tokens, deltas, the rejections and their codes,
 * delete, and the documents kept in the state folder.
 */

const THING = "aqm-lab-1";
const SHADOW = `$aws/things/${THING}/shadow`;
const T0 = Date.UTC(2026, 10, 22, 12); // ms
const S0 = T0 / 1000;

/** A response body as published; tests read it field by field. */
type Body = any;

function harness(stateDir = mkdtempSync(path.join(tmpdir(), "aqm-shadow-"))) {
  let clock = T0;
  const sent: { topic: string; body: Body }[] = [];
  const service = new ShadowService({ stateDir, publish: (topic, payload) => sent.push({ topic, body: JSON.parse(payload) }), now: () => clock });
  const send = (operation: string, body: unknown, thing = THING) =>
    service.message(
      thing,
      `$aws/things/${thing}/shadow/${operation}`,
      typeof body === "string" ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : new TextEncoder().encode(JSON.stringify(body)),
    );
  const on = (suffix: string): Body[] => sent.filter((m) => m.topic === `${SHADOW}/${suffix}`).map((m) => m.body);
  const last = (suffix: string): Body => on(suffix).at(-1);
  return {
    service,
    stateDir,
    sent,
    send,
    on,
    last,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

test("the first update creates the shadow at version 1 and is answered on update/accepted with the request's state, per-leaf metadata in seconds, version and timestamp", () => {
  const { send, sent, last, service } = harness();
  assert.equal(send("update", { state: { reported: { firmware: "0.1.0", health: { co_ppb: "warming" } } } }), true);
  assert.deepEqual(last("update/accepted"), {
    state: { reported: { firmware: "0.1.0", health: { co_ppb: "warming" } } },
    metadata: { reported: { firmware: { timestamp: S0 }, health: { co_ppb: { timestamp: S0 } } } },
    version: 1,
    timestamp: S0,
  });
  assert.deepEqual(last("update/documents"), {
    previous: null,
    current: {
      state: { reported: { firmware: "0.1.0", health: { co_ppb: "warming" } } },
      metadata: { reported: { firmware: { timestamp: S0 }, health: { co_ppb: { timestamp: S0 } } } },
      version: 1,
    },
    timestamp: S0,
  });
  assert.deepEqual(
    sent.map((m) => m.topic),
    [`${SHADOW}/update/accepted`, `${SHADOW}/update/documents`],
    "no delta: nothing is desired",
  );
  assert.equal(service.get(THING)?.version, 1);
});

test("updates merge: nested objects merge field by field, null removes a field, arrays are replaced whole; metadata keeps each field's own time", () => {
  const { send, last, advance, service } = harness();
  send("update", { state: { reported: { boot: 1, health: { co_ppb: "warming", no2_ppb: "ok" }, channels: ["co", "no2"] } } });
  advance(60_000);
  send("update", { state: { reported: { boot: null, health: { co_ppb: "ok", so2_ppb: "ok" }, channels: ["so2"] } } });
  const document = service.get(THING)!;
  assert.deepEqual(document.state.reported, { health: { co_ppb: "ok", no2_ppb: "ok", so2_ppb: "ok" }, channels: ["so2"] });
  assert.deepEqual(document.metadata.reported, {
    health: { co_ppb: { timestamp: S0 + 60 }, no2_ppb: { timestamp: S0 }, so2_ppb: { timestamp: S0 + 60 } },
    channels: { timestamp: S0 + 60 },
  });
  assert.equal(document.version, 2);
  assert.equal(document.timestamp, S0 + 60);
  assert.deepEqual(last("update/accepted").metadata.reported.boot, { timestamp: S0 + 60 }, "the removal is stamped in the answer");
  assert.equal(last("update/documents").previous.version, 1);
  assert.deepEqual(last("update/documents").previous.state.reported.channels, ["co", "no2"]);
});

test("removing the last desired field, or sending desired: null, drops the desired section and its metadata; state: null empties the shadow but keeps it", () => {
  const { send, service, last } = harness();
  send("update", { state: { desired: { sampleIntervalMs: 30_000 }, reported: { sampleIntervalMs: 10_000 } } });
  send("update", { state: { desired: { sampleIntervalMs: null } } });
  assert.equal(service.get(THING)!.state.desired, undefined);
  assert.equal(service.get(THING)!.metadata.desired, undefined);
  assert.equal(service.get(THING)!.state.delta, undefined);

  send("update", { state: { desired: { anomaly: { threshold: 0.4 } } } });
  send("update", { state: { desired: { anomaly: { threshold: null } } } });
  assert.equal(service.get(THING)!.state.desired, undefined, "an object emptied by removals goes too");
  send("update", { state: { desired: { options: {} } } });
  send("update", { state: { desired: { options: {} } } });
  assert.deepEqual(service.get(THING)!.state.desired, { options: {} }, "an empty object asked for is kept");

  send("update", { state: { desired: { readIntervalMs: 5_000 } } });
  send("update", { state: { desired: null } });
  assert.deepEqual(service.get(THING)!.state, { reported: { sampleIntervalMs: 10_000 } });

  send("update", { state: null });
  assert.deepEqual(service.get(THING)!.state, {});
  assert.equal(service.get(THING)!.version, 9);
  send("get", "");
  assert.deepEqual(last("get/accepted").state, {});
});

test("every update raises the version by one; an update naming another version is refused with 409 Version conflict and changes nothing", () => {
  const { send, on, last, service } = harness();
  send("update", { state: { reported: { boot: 1 } } });
  send("update", { state: { reported: { boot: 1 } } });
  assert.equal(service.get(THING)!.version, 2, "even an update that changes no value");
  send("update", { state: { desired: { boot: 9 } }, version: 1, clientToken: "stale" });
  assert.deepEqual(last("update/rejected"), { code: 409, message: "Version conflict", timestamp: S0, clientToken: "stale" });
  assert.equal(service.get(THING)!.version, 2);
  assert.equal(service.get(THING)!.state.desired, undefined);
  assert.equal(on("update/accepted").length, 2);
  send("update", { state: { desired: { boot: 9 } }, version: 2 });
  assert.equal(last("update/accepted").version, 3);
});

test("a client token is echoed on update/accepted, update/documents, update/delta and get/accepted", () => {
  const { send, last } = harness();
  send("update", { state: { desired: { sampleIntervalMs: 20_000 } }, clientToken: "cloud-7" });
  assert.equal(last("update/accepted").clientToken, "cloud-7");
  assert.equal(last("update/documents").clientToken, "cloud-7");
  assert.equal(last("update/delta").clientToken, "cloud-7");
  send("get", { clientToken: "board-1" });
  assert.equal(last("get/accepted").clientToken, "board-1");
  send("update", { state: { reported: { boot: 1 } } });
  assert.equal("clientToken" in last("update/accepted"), false, "none when the request had none");
});

test("update/delta goes out for an update that touches a field where desired differs from reported, holding every differing desired field (nested ones field by field), their metadata and the version", () => {
  const { send, on, last, advance, service } = harness();
  send("update", {
    state: { reported: { sampleIntervalMs: 10_000, readIntervalMs: 5_000, anomaly: { threshold: 0.4, window: 60 }, health: { co_ppb: "ok" } } },
  });
  assert.equal(on("update/delta").length, 0);

  advance(1_000);
  send("update", { state: { desired: { sampleIntervalMs: 30_000, readIntervalMs: 5_000, anomaly: { threshold: 0.4 }, bands: [1, 2], ledColour: "pink" } } });
  assert.deepEqual(last("update/delta"), {
    version: 2,
    timestamp: S0 + 1,
    state: { sampleIntervalMs: 30_000, bands: [1, 2], ledColour: "pink" },
    metadata: { sampleIntervalMs: { timestamp: S0 + 1 }, bands: { timestamp: S0 + 1 }, ledColour: { timestamp: S0 + 1 } },
  });

  advance(1_000);
  send("update", { state: { desired: { anomaly: { threshold: 0.5 } } } });
  assert.deepEqual(
    last("update/delta").state,
    { sampleIntervalMs: 30_000, bands: [1, 2], ledColour: "pink", anomaly: { threshold: 0.5 } },
    "fields from earlier updates are still in it",
  );
  assert.deepEqual(last("update/delta").metadata.anomaly, { threshold: { timestamp: S0 + 2 } });

  send("update", { state: { reported: { sampleIntervalMs: 30_000, anomaly: { threshold: 0.5, window: 60 }, bands: [1, 2, 3] } } });
  assert.deepEqual(last("update/delta").state, { bands: [1, 2], ledColour: "pink" }, "an array counts as one value");
  assert.equal(last("update/delta").version, 4);

  const deltas = on("update/delta").length;
  send("update", { state: { reported: { health: { co_ppb: "fault:I2C" }, readIntervalMs: 5_000 } } });
  assert.equal(on("update/delta").length, deltas, "a report naming no differing field is not answered with the delta again");
  send("update", { state: { reported: { ledColour: "blue" } } });
  assert.deepEqual(last("update/delta").state, { bands: [1, 2], ledColour: "pink" }, "one naming a differing field is");

  send("update", { state: { reported: { bands: [1, 2] }, desired: { ledColour: null } } });
  assert.equal(on("update/delta").length, deltas + 1, "no delta once reported matches desired");
  assert.equal(service.get(THING)!.state.delta, undefined);
});

test("requests that are not valid are refused on update/rejected with AWS's 400 or 415 and change nothing", () => {
  const { send, on, last, service } = harness();
  send("update", { state: { reported: { boot: 1 } } });
  const cases: [unknown, number, string][] = [
    ["{not json", 400, "Invalid JSON"],
    [{ clientToken: "t" }, 400, "Missing required node: state"],
    [{ state: "on" }, 400, "State node must be an object"],
    [{ state: { desired: [1] } }, 400, "Desired node must be an object"],
    [{ state: { reported: 5 } }, 400, "Reported node must be an object"],
    [{ state: { delta: { a: 1 } } }, 400, "State contains an invalid node: 'delta'"],
    [{ state: { reported: { a: 1 } }, version: "1" }, 400, "Invalid version"],
    [{ state: { reported: { a: 1 } }, clientToken: "x".repeat(65) }, 400, "Invalid clientToken"],
    [{ state: { reported: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } } }, 400, "JSON contains too many levels of nesting; maximum is 6"],
    [Uint8Array.of(0x7b, 0xff, 0x7d), 415, "Unsupported documented encoding; supported encoding is UTF-8"],
  ];
  for (const [payload, code, message] of cases) {
    send("update", payload);
    assert.deepEqual(
      last("update/rejected"),
      { code, message, timestamp: S0, ...(message === "Missing required node: state" ? { clientToken: "t" } : {}) },
      message,
    );
  }
  assert.equal(on("update/rejected").length, cases.length);
  assert.equal(on("update/accepted").length, 1);
  assert.equal(service.get(THING)!.version, 1);
  assert.deepEqual(service.get(THING)!.state, { reported: { boot: 1 } });
  send("update", { state: { reported: { a: { b: { c: { d: { e: { f: 1 } } } } } } } });
  assert.equal(last("update/accepted").version, 2, "six levels are allowed");
});

test("an update that would take desired and reported past 8 KB is refused with 413, counting what is already stored", () => {
  const { send, last, service } = harness();
  send("update", { state: { reported: { log: "r".repeat(9_000) } }, clientToken: "big" });
  assert.deepEqual(last("update/rejected"), { code: 413, message: "The payload exceeds the maximum size allowed", timestamp: S0, clientToken: "big" });
  assert.equal(service.get(THING), undefined, "no shadow was created");

  send("update", { state: { reported: { log: "r".repeat(5_000) } } });
  send("update", { state: { desired: { note: "d".repeat(5_000) } } });
  assert.equal(last("update/rejected").code, 413);
  assert.equal(service.get(THING)!.version, 1);
  send("update", { state: { reported: { log: null }, desired: { note: "d".repeat(5_000) } } });
  assert.equal(last("update/accepted").version, 2, "the same desired fits once reported shrank in the same update");
});

test("get and delete of a shadow that does not exist are refused with 404 on their own rejected topics", () => {
  const { send, last, sent } = harness();
  assert.equal(send("get", "{}"), true);
  assert.deepEqual(last("get/rejected"), { code: 404, message: `No shadow exists with name: '${THING}'`, timestamp: S0 });
  send("delete", { clientToken: "d1" });
  assert.deepEqual(last("delete/rejected"), { code: 404, message: `No shadow exists with name: '${THING}'`, timestamp: S0, clientToken: "d1" });
  send("get", "[oops");
  assert.deepEqual(last("get/rejected"), { code: 400, message: "Invalid JSON", timestamp: S0 });
  assert.equal(sent.length, 3);
});

test("get answers with the whole document: desired, reported, the delta, metadata and version", () => {
  const { send, last, advance } = harness();
  send("update", { state: { reported: { sampleIntervalMs: 10_000 } } });
  advance(5_000);
  send("update", { state: { desired: { sampleIntervalMs: 60_000 } } });
  send("get", "");
  assert.deepEqual(last("get/accepted"), {
    state: { desired: { sampleIntervalMs: 60_000 }, reported: { sampleIntervalMs: 10_000 }, delta: { sampleIntervalMs: 60_000 } },
    metadata: { desired: { sampleIntervalMs: { timestamp: S0 + 5 } }, reported: { sampleIntervalMs: { timestamp: S0 } } },
    version: 2,
    timestamp: S0 + 5,
  });
});

test("delete removes the document (delete/accepted with its version); a shadow made again within 48 hours carries on from that version, later ones start over", () => {
  const { send, last, service, stateDir } = harness();
  send("update", { state: { reported: { boot: 1 } } });
  send("update", { state: { reported: { boot: 2 } } });
  send("delete", "");
  assert.deepEqual(last("delete/accepted"), { version: 2, timestamp: S0 });
  assert.equal(service.get(THING), undefined);
  send("get", "");
  assert.equal(last("get/rejected").code, 404);
  send("delete", "");
  assert.equal(last("delete/rejected").code, 404);

  send("update", { state: { reported: { boot: 3 } }, version: 1 });
  assert.equal(last("update/rejected").code, 409, "the version to name is the deleted one's");
  send("update", { state: { reported: { boot: 3 } } });
  assert.equal(last("update/accepted").version, 3);
  assert.deepEqual(service.get(THING)!.state, { reported: { boot: 3 } }, "nothing of the deleted document comes back");

  send("delete", "");
  const early = harness(stateDir);
  early.advance(47 * 3_600_000);
  early.send("update", { state: { reported: { boot: 4 } }, version: 0 });
  assert.equal(early.last("update/rejected").code, 409, "after a restart, within 48 hours, the deleted version still counts");
  const late = harness(stateDir);
  late.advance(48 * 3_600_000 + 1_000);
  late.send("update", { state: { reported: { boot: 4 } } });
  assert.equal(late.last("update/accepted").version, 1, "after 48 hours the shadow starts over");
});

test("only the classic shadow's request topics are handled; a request for another thing's shadow is refused loudly", () => {
  const { service, sent } = harness();
  const bytes = new TextEncoder().encode('{"state":{"reported":{"a":1}}}');
  assert.equal(service.message(THING, telemetryTopic(THING), bytes), false);
  assert.equal(service.message(THING, `${SHADOW}/update/accepted`, bytes), false);
  assert.equal(service.message(THING, `${SHADOW}/name/settings/update`, bytes), false, "named shadows are not served");
  assert.equal(service.message(THING, `${SHADOW}/update/`, bytes), false);
  assert.throws(
    () => service.message(THING, "$aws/things/aqm-lab-2/shadow/update", bytes),
    /thing "aqm-lab-1" published to \$aws\/things\/aqm-lab-2\/shadow\/update, the shadow of "aqm-lab-2"/,
  );
  assert.deepEqual(sent, []);
  assert.equal(service.get("aqm-lab-2"), undefined);
});

test("updateDesired sets desired fields as the cloud does: the document comes back with its delta, the board is sent the delta, and a refusal throws with its code", () => {
  const { service, send, last } = harness();
  send("update", { state: { reported: { sampleIntervalMs: 10_000, anomaly: { threshold: 0.4 } } } });
  const document = service.updateDesired(THING, { sampleIntervalMs: 30_000, anomaly: { threshold: 0.4 } });
  assert.equal(document.version, 2);
  assert.deepEqual(document.state.delta, { sampleIntervalMs: 30_000 });
  assert.deepEqual(last("update/delta"), { version: 2, timestamp: S0, state: { sampleIntervalMs: 30_000 }, metadata: { sampleIntervalMs: { timestamp: S0 } } });

  assert.deepEqual(service.updateDesired(THING, { sampleIntervalMs: null }).state.desired, { anomaly: { threshold: 0.4 } });
  assert.throws(
    () => service.updateDesired(THING, { note: "n".repeat(9_000) }),
    (error: unknown) =>
      error instanceof ShadowRejected &&
      error.code === 413 &&
      /cannot set the desired state of "aqm-lab-1": The payload exceeds the maximum size allowed \(413\)/.test(error.message),
  );
  assert.throws(() => service.updateDesired("../etc", { a: 1 }), /invalid thing name "\.\.\/etc"/);
  assert.equal(service.get(THING)!.version, 3);
});

test("documents are kept as <stateDir>/shadows/<thing>.json and a new service on the same folder carries on from them", () => {
  const first = harness();
  first.send("update", { state: { reported: { sampleIntervalMs: 10_000, health: { co_ppb: "ok" } } } });
  first.service.updateDesired(THING, { sampleIntervalMs: 30_000 });
  const before = first.service.get(THING)!;

  assert.deepEqual(readdirSync(path.join(first.stateDir, "shadows")), [`${THING}.json`], "no temporary file is left behind");
  const stored = JSON.parse(readFileSync(path.join(first.stateDir, "shadows", `${THING}.json`), "utf8"));
  assert.equal(stored.version, 2);
  assert.deepEqual(stored.state.desired, { sampleIntervalMs: 30_000 });

  const second = harness(first.stateDir);
  assert.deepEqual(second.service.get(THING), before);
  second.send("get", "");
  assert.deepEqual(second.last("get/accepted").state.delta, { sampleIntervalMs: 30_000 });
  second.send("update", { state: { reported: { sampleIntervalMs: 30_000 } }, version: 2 });
  assert.equal(second.last("update/accepted").version, 3);
  assert.equal(second.service.get(THING)!.state.delta, undefined);
});

test("a damaged shadow file stops the service from starting, naming the file and what is wrong", () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), "aqm-shadow-"));
  const shadows = path.join(stateDir, "shadows");
  mkdirSync(shadows);
  const file = path.join(shadows, `${THING}.json`);
  const start = () => new ShadowService({ stateDir, publish: () => {}, now: () => T0 });

  writeFileSync(file, '{"state": {"reported": ');
  assert.throws(start, (error: Error) => error.message.startsWith(`shadow file ${file} is not valid JSON (`));
  writeFileSync(file, JSON.stringify({ state: { reported: { a: 1 } }, metadata: {}, version: "2" }));
  assert.throws(start, new RegExp(`shadow file ${file.replace(/[.$]/g, "\\$&")} is not a shadow document: "version" is "2", not a whole number`));
  writeFileSync(file, JSON.stringify({ state: { reported: [1] }, metadata: {}, version: 2 }));
  assert.throws(start, /is not a shadow document: "state.reported" is not an object/);
  writeFileSync(file, JSON.stringify({ state: { reported: { a: 1 } }, metadata: { reported: { a: { timestamp: 1 } } }, version: 2 }));
  assert.equal(start().get(THING)?.version, 2);
  writeFileSync(path.join(shadows, `.${THING}.json.tmp`), "half a docu");
  assert.equal(start().get(THING)?.version, 2, "an interrupted write is ignored; the document it was replacing stands");
});
