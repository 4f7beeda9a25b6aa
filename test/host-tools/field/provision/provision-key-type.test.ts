import assert from "node:assert/strict";
import { test } from "node:test";
import { checkIdentity } from "../../../../host-tools/field/provision/BoardIdentity.ts";
import { ecIdentity, localIdentity } from "../../../firmware/console/identities.ts";

test("point 10: aqm provision refuses an EC identity before touching the board, saying the board's TLS signs with RSA only", async () => {
  const [ec, rsa] = await Promise.all([ecIdentity("aqm-ec-001"), localIdentity("aqm-ec-001")]);
  const identity = { thing: "aqm-ec-001", caPem: rsa.caPem, endpoint: "localhost" };
  assert.throws(() => checkIdentity({ ...identity, certPem: ec.certPem, keyPem: ec.keyPem }), {
    message: /^the key for aqm-ec-001 is EC, not RSA: the board's TLS \(Moddable SDK\) signs with RSA keys only .*RSA 2048/,
  });
  assert.doesNotThrow(() => checkIdentity({ ...identity, certPem: rsa.certPem, keyPem: rsa.keyPem }));
});
