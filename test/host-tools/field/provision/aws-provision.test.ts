import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { before, test } from "node:test";
import { amazonRootCa1, awsIdentity, AwsProvisionError } from "../../../../host-tools/field/provision/AwsIotIdentity.ts";
import { installIdentity } from "../../../../host-tools/field/provision/BoardProvisioner.ts";
import { ConsoleClient } from "../../../../host-tools/field/provision/ConsoleClient.ts";
import { ConsoleOnlyBoard } from "../../../../host-tools/board-sim/board/ConsoleOnlyBoard.ts";
import { NvsStore } from "../../../../host-tools/board-sim/board/NvsStore.ts";
import { rsaIdentity } from "../../../firmware/console/identities.ts";
import { FakeIotService, type FakeResponse, type SeenRequest } from "./FakeIotService.ts";

const THING = "aqm-aws-001";
const POLICY = "aqm-device-policy";
const CERT_ID = "4f2c1b8e0d9a7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b";
const CERT_ARN = `arn:aws:iot:eu-west-1:123456789012:cert/${CERT_ID}`;
const ENDPOINT = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com";

let issued: Awaited<ReturnType<typeof rsaIdentity>>;
before(async () => {
  issued = await rsaIdentity(THING);
});

const notFound = { status: 404, errorType: "ResourceNotFoundException", body: { message: `Thing ${THING} cannot be found.` } };
const throttled = { status: 429, errorType: "ThrottlingException", body: { message: "Rate exceeded" } };

type Answer = (request: SeenRequest, count: number) => FakeResponse;

/**
 * AWS IoT for one provisioning: the thing missing (or there, with "exists"), every other call
 * succeeding unless `overrides` (keyed "METHOD path") answers otherwise.
 */
function service(thing: "missing" | "exists" = "missing", overrides: Readonly<Record<string, Answer>> = {}): FakeIotService {
  const answers: Record<string, Answer> = {
    "GET /endpoint": () => ({ status: 200, body: { endpointAddress: ENDPOINT } }),
    [`GET /things/${THING}`]: () => (thing === "missing" ? notFound : { status: 200, body: { thingName: THING, version: 3 } }),
    [`POST /things/${THING}`]: () => ({
      status: 200,
      body: { thingName: THING, thingArn: `arn:aws:iot:eu-west-1:123456789012:thing/${THING}`, thingId: "b7f1" },
    }),
    // AWS hands out the key as PKCS#1 PEM, once.
    "POST /keys-and-certificate": () => ({
      status: 200,
      body: { certificateArn: CERT_ARN, certificateId: CERT_ID, certificatePem: issued.certPem, keyPair: { PublicKey: "unused", PrivateKey: issued.pkcs1Pem } },
    }),
    [`PUT /target-policies/${POLICY}`]: () => ({ status: 200 }),
    [`PUT /things/${THING}/principals`]: () => ({ status: 200 }),
    // DetachPolicy, UpdateCertificate, DeleteCertificate, DeleteThing: the roll-back.
    [`POST /target-policies/${POLICY}`]: () => ({ status: 200 }),
    [`PUT /certificates/${CERT_ID}`]: () => ({ status: 200 }),
    [`DELETE /certificates/${CERT_ID}`]: () => ({ status: 200 }),
    [`DELETE /things/${THING}`]: () => ({ status: 200 }),
    ...overrides,
  };
  const aws = new FakeIotService();
  for (const [route, answer] of Object.entries(answers)) {
    const [method, path] = route.split(" ") as [string, string];
    aws.route(method, path, answer);
  }
  return aws;
}

/** The calls as method, path, query and the fields that matter. */
const calls = (requests: readonly SeenRequest[]): string[] =>
  requests.map((r) =>
    [
      r.method,
      r.path,
      new URLSearchParams(r.query as Record<string, string>).toString(),
      r.body === undefined ? "" : JSON.stringify(r.body),
      r.headers["x-amzn-principal"] ?? "",
    ]
      .filter((part) => part !== "")
      .join(" "),
  );

test("AWS path: thing, active certificate, policy on the certificate, certificate on the thing; exact requests; then installed over the console", async () => {
  const aws = service();
  const steps: string[] = [];
  const identity = await awsIdentity({ client: aws.client(), thing: THING, policyName: POLICY, onStep: (step) => steps.push(step) });
  assert.deepEqual(calls(aws.requests), [
    "GET /endpoint endpointType=iot%3AData-ATS",
    `GET /things/${THING}`,
    `POST /things/${THING} {}`,
    "POST /keys-and-certificate setAsActive=true",
    `PUT /target-policies/${POLICY} {"target":"${CERT_ARN}"}`,
    `PUT /things/${THING}/principals ${CERT_ARN}`,
  ]);
  assert.ok(
    aws.requests.every((r) => /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/(iot|execute-api)\//.test(r.headers.authorization ?? "")),
    "signed, with the made-up credentials",
  );
  assert.equal(identity.endpoint, ENDPOINT);
  assert.equal(identity.port, 8883);
  assert.equal(identity.certificateArn, CERT_ARN);
  assert.equal(identity.thingCreated, true);
  assert.equal(identity.caPem, amazonRootCa1());
  assert.match(identity.keyPem, /^-----BEGIN PRIVATE KEY-----\n/, "converted to PKCS#8 for the board");
  assert.equal(steps.length, 6);

  const preferences = new NvsStore();
  const bench = new ConsoleOnlyBoard({ preferences, firmwareVersion: "0.1.0" });
  const client = new ConsoleClient(bench.uart);
  await installIdentity(client, identity);
  client.close();
  const stored = (key: string): string => Buffer.from((preferences.get("tls", key) as { bytes: Uint8Array }).bytes).toString("hex");
  assert.equal(stored("cert"), Buffer.from(issued.certDer).toString("hex"));
  assert.equal(stored("key"), createPrivateKey(issued.pkcs1Pem).export({ type: "pkcs8", format: "der" }).toString("hex"));
  assert.equal(preferences.get("aqm", "endpoint"), ENDPOINT);
  assert.equal(preferences.get("aqm", "thing"), THING);
});

test("AWS path: a thing that exists already is refused before anything is created, unless --existing-thing", async () => {
  const refused = service("exists");
  await assert.rejects(awsIdentity({ client: refused.client(), thing: THING, policyName: POLICY, endpoint: ENDPOINT }), (error: unknown) => {
    assert.ok(error instanceof AwsProvisionError);
    assert.equal(error.message, `thing "${THING}" already exists in AWS IoT; pass --existing-thing to give it a new certificate, or choose another name`);
    return true;
  });
  assert.deepEqual(calls(refused.requests), [`GET /things/${THING}`], "nothing created");

  const reuse = service("exists");
  const identity = await awsIdentity({ client: reuse.client(), thing: THING, policyName: POLICY, endpoint: ENDPOINT, existingThing: true });
  assert.equal(identity.thingCreated, false);
  assert.deepEqual(calls(reuse.requests), [
    `GET /things/${THING}`,
    "POST /keys-and-certificate setAsActive=true",
    `PUT /target-policies/${POLICY} {"target":"${CERT_ARN}"}`,
    `PUT /things/${THING}/principals ${CERT_ARN}`,
  ]);
});

test("AWS path: throttling is retried by the SDK; the provisioning goes through", async () => {
  const aws = service("missing", {
    [`POST /things/${THING}`]: (_, count) => (count === 1 ? throttled : { status: 200, body: { thingName: THING } }),
    [`PUT /target-policies/${POLICY}`]: (_, count) => (count === 1 ? throttled : { status: 200 }),
  });
  const identity = await awsIdentity({ client: aws.client(), thing: THING, policyName: POLICY, endpoint: ENDPOINT });
  assert.equal(identity.certificateId, CERT_ID);
  assert.deepEqual(
    calls(aws.requests).map((call) => call.split(" ").slice(0, 2).join(" ")),
    [
      `GET /things/${THING}`,
      `POST /things/${THING}`,
      `POST /things/${THING}`,
      "POST /keys-and-certificate",
      `PUT /target-policies/${POLICY}`,
      `PUT /target-policies/${POLICY}`,
      `PUT /things/${THING}/principals`,
    ],
  );
  assert.deepEqual(
    aws.retryErrors,
    ["CLIENT_ERROR", "THROTTLING", "THROTTLING"],
    "the SDK read 429 ThrottlingException as throttling (the 404 is not retried)",
  );
});

test("AWS path: throttling that outlasts the retries fails clearly, and what was created is taken back", async () => {
  const throttledAws = service("missing", { [`PUT /target-policies/${POLICY}`]: () => throttled });
  await assert.rejects(awsIdentity({ client: throttledAws.client(), thing: THING, policyName: POLICY, endpoint: ENDPOINT }), (error: unknown) => {
    assert.ok(error instanceof AwsProvisionError);
    assert.equal(error.message, "AWS IoT throttled AttachPolicy and the SDK's retries ran out; try again in a minute; nothing was left behind in AWS IoT");
    return true;
  });
  assert.deepEqual(calls(throttledAws.requests).slice(3), [
    `PUT /target-policies/${POLICY} {"target":"${CERT_ARN}"}`,
    `PUT /target-policies/${POLICY} {"target":"${CERT_ARN}"}`,
    `PUT /target-policies/${POLICY} {"target":"${CERT_ARN}"}`,
    `PUT /certificates/${CERT_ID} newStatus=INACTIVE`,
    `DELETE /certificates/${CERT_ID}`,
    `DELETE /things/${THING}`,
  ]);
});

test("AWS path: a failure on the last attach detaches the policy too, and names what could not be taken back", async () => {
  const aws = service("missing", {
    [`PUT /things/${THING}/principals`]: () => ({ status: 400, errorType: "InvalidRequestException", body: { message: "bad principal" } }),
    [`DELETE /certificates/${CERT_ID}`]: () => ({ status: 409, errorType: "DeleteConflictException", body: { message: "still attached" } }),
  });
  await assert.rejects(awsIdentity({ client: aws.client(), thing: THING, policyName: POLICY, endpoint: ENDPOINT }), (error: unknown) => {
    assert.ok(error instanceof AwsProvisionError);
    assert.equal(
      error.message,
      `AttachThingPrincipal failed: InvalidRequestException: bad principal; left behind in AWS IoT (delete by hand): inactive certificate ${CERT_ID}`,
    );
    return true;
  });
  assert.deepEqual(calls(aws.requests).slice(5), [
    `POST /target-policies/${POLICY} {"target":"${CERT_ARN}"}`,
    `PUT /certificates/${CERT_ID} newStatus=INACTIVE`,
    `DELETE /certificates/${CERT_ID}`,
    `DELETE /things/${THING}`,
  ]);
});
