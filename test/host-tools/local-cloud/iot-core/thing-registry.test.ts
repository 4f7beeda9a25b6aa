import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LocalCa, type IssuedCertificate } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import { certificateId, registryFile, ThingRegistry } from "../../../../host-tools/local-cloud/iot-core/ThingRegistry.ts";
import { connectMqttJsAs, startIotCore } from "./iot-core-fixture.ts";

test("the registry admits only a registered, ACTIVE certificate attached to the client ID's thing, and names what is missing", async () => {
  const ca = await LocalCa.createEphemeral("test CA");
  const registry = ThingRegistry.inMemory();
  const a = await ca.issueDeviceCertificate("aqm-a");
  const b = await ca.issueDeviceCertificate("aqm-b");
  const der = (issued: IssuedCertificate) => issued.certDer;
  const idA = registry.provision("aqm-a", a.certPem);
  assert.equal(idA, certificateId(a.certPem));
  assert.deepEqual(registry.admit(der(a), "aqm-a"), { admitted: true, thing: "aqm-a" });
  assert.deepEqual(registry.admit(der(b), "aqm-b"), {
    admitted: false,
    reason: `certificate ${certificateId(b.certPem).slice(0, 12)}… is not registered in the thing registry (in memory)`,
  });
  registry.registerCertificate(b.certPem);
  assert.match((registry.admit(der(b), "aqm-b") as { reason: string }).reason, /no thing "aqm-b" \(the client ID\) is registered/);
  assert.match((registry.admit(der(b), "aqm-a") as { reason: string }).reason, /is not attached to thing "aqm-a"/);
  registry.setStatus(idA, "INACTIVE");
  assert.match((registry.admit(der(a), "aqm-a") as { reason: string }).reason, /is INACTIVE, not ACTIVE/);
  registry.setStatus(idA, "ACTIVE");
  registry.detach("aqm-a", idA);
  assert.match((registry.admit(der(a), "aqm-a") as { reason: string }).reason, /is not attached to thing "aqm-a"/);
  assert.throws(() => registry.setStatus("f00", "REVOKED"), /no certificate f00 in the thing registry/);
  assert.throws(() => registry.provision("bad/name", a.certPem), /invalid thing name "bad\/name"/);
});

test("a registry file changed by another process (aqm provision, a revocation) counts from the next admission; a broken file is a clear error", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-registry-"));
  try {
    const ca = await LocalCa.createEphemeral("test CA");
    const issued = await ca.issueDeviceCertificate("aqm-file");
    const core = ThingRegistry.open(dir);
    assert.equal(core.admit(issued.certDer, "aqm-file").admitted, false);
    const id = ThingRegistry.open(dir).provision("aqm-file", issued.certPem);
    assert.equal(core.admit(issued.certDer, "aqm-file").admitted, true);
    ThingRegistry.open(dir).setStatus(id, "REVOKED");
    assert.match((core.admit(issued.certDer, "aqm-file") as { reason: string }).reason, /is REVOKED, not ACTIVE/);
    writeFileSync(registryFile(dir), '{"things":{"x":{}},"certificates":{}}');
    assert.throws(() => core.admit(issued.certDer, "aqm-file"), /the thing registry .* has thing "x" without a "principals" list/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("thing names that are also Object.prototype's members are things like any other, in memory and in the file", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-registry-"));
  try {
    const ca = await LocalCa.createEphemeral("test CA");
    const registry = ThingRegistry.open(dir);
    const proto = await ca.issueDeviceCertificate("__proto__");
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"])
      assert.deepEqual(registry.admit(proto.certDer, name), {
        admitted: false,
        reason: `certificate ${certificateId(proto.certPem).slice(0, 12)}… is not registered in the thing registry ${registryFile(dir)}`,
      });
    registry.provision("__proto__", proto.certPem);
    assert.deepEqual(registry.admit(proto.certDer, "__proto__"), { admitted: true, thing: "__proto__" });
    assert.match((registry.admit(proto.certDer, "constructor") as { reason: string }).reason, /no thing "constructor" \(the client ID\) is registered/);
    // Written as an own key and read back as one: another process sees the same thing.
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(registryFile(dir), "utf8")).things), ["__proto__"]);
    assert.deepEqual(ThingRegistry.open(dir).admit(proto.certDer, "__proto__"), { admitted: true, thing: "__proto__" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a client ID the registry cannot judge is refused on its own: the core goes on admitting the others (mqtt.js)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-registry-"));
  const fixture = await startIotCore({ registry: ThingRegistry.open(dir) });
  try {
    const refused = (error: Error & { code?: number }) => error.code === 5;
    const board = await fixture.ca.issueDeviceCertificate("aqm-board");
    // A registered certificate asking to be "constructor": refused for the missing thing, not a crash of the core.
    await assert.rejects(connectMqttJsAs(fixture.port, fixture.ca.certPem, board, "constructor"), refused);
    assert.ok(fixture.events.some((e) => e.kind === "refused" && e.reason === "registry" && /no thing "constructor"/.test(e.detail)));
    // The registry file broken while the core runs: each connection is refused, naming the file.
    const good = readFileSync(registryFile(dir), "utf8");
    writeFileSync(registryFile(dir), "{");
    await assert.rejects(connectMqttJsAs(fixture.port, fixture.ca.certPem, board, "aqm-board"), refused);
    assert.ok(fixture.events.some((e) => e.kind === "refused" && e.reason === "registry" && /is not valid JSON/.test(e.detail)));
    writeFileSync(registryFile(dir), good);
    fixture.nextSecond();
    const client = await connectMqttJsAs(fixture.port, fixture.ca.certPem, board, "aqm-board");
    await client.endAsync();
  } finally {
    await fixture.core.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the core refuses a certificate its CA signed for a thing never provisioned, and a revoked one on its next connection (mqtt.js)", async () => {
  const fixture = await startIotCore();
  try {
    const connect = (identity: IssuedCertificate, thing: string) => connectMqttJsAs(fixture.port, fixture.ca.certPem, identity, thing);
    const refused = (error: Error & { code?: number }) => error.code === 5;
    const unprovisioned = await fixture.rawCa.issueDeviceCertificate("aqm-ghost");
    await assert.rejects(connect(unprovisioned, "aqm-ghost"), refused);
    assert.ok(fixture.events.some((e) => e.kind === "refused" && e.reason === "registry" && /is not registered in the thing registry/.test(e.detail)));

    const identity = await fixture.ca.issueDeviceCertificate("aqm-revoked");
    const first = await connect(identity, "aqm-revoked");
    fixture.registry.setStatus(certificateId(identity.certPem), "REVOKED");
    await first.endAsync();
    fixture.nextSecond();
    await assert.rejects(connect(identity, "aqm-revoked"), refused);
    assert.ok(fixture.events.some((e) => e.kind === "refused" && e.reason === "registry" && /is REVOKED, not ACTIVE/.test(e.detail)));
  } finally {
    await fixture.core.stop();
  }
});
