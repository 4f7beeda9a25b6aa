import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createPrivateKey, X509Certificate } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LocalCa } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";

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
    assert.ok(certificate.checkPrivateKey(createPrivateKey(identity.keyPem)), "the key matches the certificate");
    assert.ok(
      certificate.checkPrivateKey(createPrivateKey({ key: Buffer.from(identity.keyDer), format: "der", type: "pkcs8" })),
      "the DER key is the same PKCS#8 key",
    );
    assert.deepEqual(Buffer.from(identity.certDer), certificate.raw, "the DER the board stores is the certificate");
    const reused = await ca.deviceIdentity(dir, "aqm-sim-001");
    assert.equal(reused.certPem, identity.certPem);
    assert.equal(readFileSync(path.join(dir, "things", "aqm-sim-001", "cert.pem"), "utf8"), identity.certPem);
    assert.equal(statSync(path.join(dir, "things", "aqm-sim-001", "key.pem")).mode & 0o777, 0o600);
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
  await assert.rejects(ca.issueDeviceCertificate(""), /invalid thing name ""/);
  await assert.rejects(ca.deviceIdentity(os.tmpdir(), "../escape"), /invalid thing name "\.\.\/escape"/);
  const longest = await ca.issueDeviceCertificate("a:B_0-".repeat(21) + "xy");
  assert.equal(new X509Certificate(longest.certPem).subject, `CN=${"a:B_0-".repeat(21)}xy`);
});

test("a stored identity the CA would refuse (expired, or from another CA) is replaced by a new one", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-ca-"));
  try {
    const ca = await LocalCa.openOrCreate(dir);
    const thingDir = path.join(dir, "things", "aqm-sim-002");
    await ca.deviceIdentity(dir, "aqm-sim-002");
    const day = 86_400_000;
    const stale = [
      await ca.issueDeviceCertificate("aqm-sim-002", { notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) }),
      await (await LocalCa.createEphemeral("some other CA")).issueDeviceCertificate("aqm-sim-002"),
    ];
    for (const identity of stale) {
      writeFileSync(path.join(thingDir, "cert.pem"), identity.certPem);
      writeFileSync(path.join(thingDir, "key.pem"), identity.keyPem);
      const replaced = await ca.deviceIdentity(dir, "aqm-sim-002");
      assert.notEqual(replaced.certPem, identity.certPem);
      assert.ok(new X509Certificate(replaced.certPem).verify(new X509Certificate(ca.certPem).publicKey));
      assert.equal(readFileSync(path.join(thingDir, "cert.pem"), "utf8"), replaced.certPem);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("half a CA in the state folder is an error naming the missing file, never silently replaced", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-ca-"));
  try {
    await LocalCa.openOrCreate(dir);
    const certFile = path.join(dir, "ca", "ca.cert.pem");
    const keyBefore = readFileSync(path.join(dir, "ca", "ca.key.pem"), "utf8");
    unlinkSync(certFile);
    await assert.rejects(LocalCa.openOrCreate(dir), (error: Error) => error.message.includes(`${certFile} is missing`));
    assert.equal(readFileSync(path.join(dir, "ca", "ca.key.pem"), "utf8"), keyBefore, "the key is left alone");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
