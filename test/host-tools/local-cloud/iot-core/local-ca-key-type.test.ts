import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { LocalCa } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import { ecIdentity } from "../../../firmware/console/identities.ts";

const state = mkdtempSync(path.join(tmpdir(), "aqm-ca-"));
after(() => rmSync(state, { recursive: true, force: true }));

test("point 10: the local CA issues RSA 2048 device and server identities, as AWS IoT does and as the SDK's TLS can sign", async () => {
  const ca = await LocalCa.createEphemeral("key type CA");
  const device = await ca.issueDeviceCertificate("aqm-rsa-001");
  const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: [] });
  for (const issued of [device, server]) {
    const key = createPrivateKey(issued.keyPem);
    assert.equal(key.asymmetricKeyType, "rsa");
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(new X509Certificate(issued.certPem).publicKey.asymmetricKeyType, "rsa");
  }
  assert.equal(new X509Certificate(ca.certPem).publicKey.asymmetricKeyType, "rsa");
});

test("a stored EC identity (from before identities were RSA) is replaced by an RSA one on the next run", async () => {
  const ca = await LocalCa.openOrCreate(state);
  const dir = path.join(state, "things", "aqm-old-ec");
  await ca.deviceIdentity(state, "aqm-old-ec");
  const ec = await ecIdentity("aqm-old-ec");
  writeFileSync(path.join(dir, "cert.pem"), ec.certPem);
  writeFileSync(path.join(dir, "key.pem"), ec.keyPem);
  const renewed = await ca.deviceIdentity(state, "aqm-old-ec");
  assert.equal(createPrivateKey(renewed.keyPem).asymmetricKeyType, "rsa");
  assert.equal(readFileSync(path.join(dir, "key.pem"), "utf8"), renewed.keyPem);
});
