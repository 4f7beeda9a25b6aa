import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LocalCa } from "../../host-tools/iot-core/LocalCa.ts";

test("the first run creates the CA in the state folder, with a private key only its owner can read; later runs reuse it", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-ca-"));
  try {
    const first = await LocalCa.openOrCreate(dir);
    const again = await LocalCa.openOrCreate(dir);
    assert.equal(again.certPem, first.certPem);
    assert.equal(statSync(path.join(dir, "ca", "ca.key.pem")).mode & 0o777, 0o600);
    const ca = new X509Certificate(first.certPem);
    assert.equal(ca.ca, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a device certificate names its thing, is for client authentication and chains to the CA; the stored identity is reused", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-ca-"));
  try {
    const ca = await LocalCa.openOrCreate(dir);
    const identity = await ca.deviceIdentity(dir, "aqm-sim-001");
    const certificate = new X509Certificate(identity.certPem);
    assert.equal(certificate.subject, "CN=aqm-sim-001");
    assert.ok(certificate.verify(new X509Certificate(ca.certPem).publicKey), "signed by the local CA");
    assert.deepEqual(certificate.keyUsage, ["1.3.6.1.5.5.7.3.2"], "client authentication only");
    assert.ok(certificate.checkPrivateKey((await import("node:crypto")).createPrivateKey(identity.keyPem)), "the key matches the certificate");
    assert.deepEqual(Buffer.from(identity.certDer), certificate.raw, "the DER the board stores is the certificate");
    const reused = await ca.deviceIdentity(dir, "aqm-sim-001");
    assert.equal(reused.certPem, identity.certPem);
    assert.equal(readFileSync(path.join(dir, "things", "aqm-sim-001", "cert.pem"), "utf8"), identity.certPem);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a server certificate carries the host names and addresses a board checks", async () => {
  const ca = await LocalCa.createEphemeral("test");
  const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
  const certificate = new X509Certificate(server.certPem);
  assert.equal(certificate.checkHost("localhost"), "localhost");
  assert.equal(certificate.checkIP("127.0.0.1"), "127.0.0.1");
  assert.equal(certificate.checkHost("example.com"), undefined);
});

test("an invalid thing name is refused with a message that names it", async () => {
  const ca = await LocalCa.createEphemeral("test");
  await assert.rejects(ca.issueDeviceCertificate("bad name/with slash"), /invalid thing name "bad name\/with slash"/);
  await assert.rejects(ca.issueDeviceCertificate("x".repeat(129)), /invalid thing name/);
});
