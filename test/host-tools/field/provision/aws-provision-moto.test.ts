import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { after, before, test } from "node:test";
import {
  CreatePolicyCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListCertificatesCommand,
  ListThingPrincipalsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot";
import { awsIdentity } from "../../../../host-tools/field/provision/AwsIotIdentity.ts";
import { MotoServer } from "./MotoServer.ts";

// aqm provision aws's calls against moto (server mode): the real AWS SDK, an IoT service nobody
// here wrote. The hand-written FakeIotService (aws-provision.test.ts) stays for what moto cannot
// do: answer with throttling, or fail one chosen call.
const POLICY = "aqm-device";
let moto: MotoServer;
let iot: IoTClient;

before(async () => {
  moto = await MotoServer.start();
  iot = new IoTClient({ region: "eu-west-1", endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
  // The stack makes the device policy; here it stands ready as it would in the account.
  await iot.send(
    new CreatePolicyCommand({
      policyName: POLICY,
      policyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iot:Connect", Resource: "*" }] }),
    }),
  );
});
after(async () => {
  iot?.destroy();
  await moto?.stop();
});

test("against moto: the thing, an active certificate whose key matches it, the policy on the certificate and the certificate on the thing", async () => {
  const steps: string[] = [];
  const identity = await awsIdentity({ client: iot, thing: "aqm-moto-001", policyName: POLICY, onStep: (s) => steps.push(s) });
  assert.ok(identity.endpoint.length > 0, "the data endpoint came from DescribeEndpoint");
  assert.equal(identity.thingCreated, true);
  assert.equal(steps[0], "looking up the account's IoT data endpoint");

  const certificate = new X509Certificate(identity.certPem);
  assert.ok(certificate.checkPrivateKey(createPrivateKey(identity.keyPem)), "the key handed out signs for the certificate");
  assert.match(identity.keyPem, /^-----BEGIN PRIVATE KEY-----/, "PKCS#8, as the board's console takes it");

  const described = await iot.send(new DescribeCertificateCommand({ certificateId: identity.certificateId }));
  assert.equal(described.certificateDescription?.status, "ACTIVE");
  assert.equal((await iot.send(new DescribeThingCommand({ thingName: "aqm-moto-001" }))).thingName, "aqm-moto-001");
  assert.deepEqual((await iot.send(new ListThingPrincipalsCommand({ thingName: "aqm-moto-001" }))).principals, [identity.certificateArn]);
  assert.deepEqual(
    (await iot.send(new ListAttachedPoliciesCommand({ target: identity.certificateArn }))).policies?.map((p) => p.policyName),
    [POLICY],
  );
});

test("against moto: a thing that exists is refused before anything is created; --existing-thing gives it a second certificate", async () => {
  await awsIdentity({ client: iot, thing: "aqm-moto-002", policyName: POLICY, endpoint: "x-ats.iot.eu-west-1.amazonaws.com" });
  const certificates = async () => (await iot.send(new ListCertificatesCommand({}))).certificates?.length ?? 0;
  const before = await certificates();
  await assert.rejects(
    awsIdentity({ client: iot, thing: "aqm-moto-002", policyName: POLICY, endpoint: "x" }),
    /thing "aqm-moto-002" already exists in AWS IoT; pass --existing-thing/,
  );
  assert.equal(await certificates(), before, "no certificate was made for the refused run");
  const again = await awsIdentity({ client: iot, thing: "aqm-moto-002", policyName: POLICY, endpoint: "x", existingThing: true });
  assert.equal(again.thingCreated, false);
  assert.equal((await iot.send(new ListThingPrincipalsCommand({ thingName: "aqm-moto-002" }))).principals?.length, 2);
});

test("against moto: a policy the account does not have fails the attach, and the certificate and the thing made for it are taken back", async () => {
  const before = (await iot.send(new ListCertificatesCommand({}))).certificates?.map((c) => c.certificateId) ?? [];
  await assert.rejects(awsIdentity({ client: iot, thing: "aqm-moto-003", policyName: "no-such-policy", endpoint: "x" }), (error: Error) => {
    assert.match(error.message, /^AttachPolicy failed: ResourceNotFoundException/);
    assert.match(error.message, /nothing was left behind in AWS IoT$/);
    return true;
  });
  await assert.rejects(iot.send(new DescribeThingCommand({ thingName: "aqm-moto-003" })), ResourceNotFoundException, "the thing made here is deleted");
  const now = (await iot.send(new ListCertificatesCommand({}))).certificates?.map((c) => c.certificateId) ?? [];
  assert.deepEqual(now.sort(), [...before].sort(), "the certificate made here is deactivated and deleted");
});
