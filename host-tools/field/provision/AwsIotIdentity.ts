import { rootCertificates } from "node:tls";
import { X509Certificate } from "node:crypto";
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateCertificateCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import { checkThingName } from "../../../firmware/session/ThingName.ts";
import { pkcs8Pem, type BoardIdentity } from "./BoardIdentity.ts";

export interface AwsIdentity extends BoardIdentity {
  readonly certificateArn: string;
  readonly certificateId: string;
  /** False when the thing was there already and `existingThing` allowed using it. */
  readonly thingCreated: boolean;
}

export class AwsProvisionError extends Error {}

/**
 * The CA AWS IoT Core's ATS endpoints chain to. Node carries it among its root certificates, so
 * no download is needed.
 */
export function amazonRootCa1(): string {
  const pem = rootCertificates.find((candidate) => new X509Certificate(candidate).subject.split("\n").includes("CN=Amazon Root CA 1"));
  if (!pem) throw new AwsProvisionError("Amazon Root CA 1 is not among this Node's root certificates");
  return pem;
}

/**
 * Creates a board's identity in AWS IoT Core: the thing, an active certificate with a new key
 * pair, the device policy attached to the certificate and the certificate to the thing. The key
 * exists only in the answer to CreateKeysAndCertificate, so it is returned (as PKCS#8) for the
 * caller to install and keep. If a step after the certificate fails, what was created is taken
 * back (policy detached, certificate deactivated and deleted, a thing made here deleted), so a
 * retry starts clean; anything that could not be taken back is named in the error.
 */
export async function awsIdentity(options: {
  readonly client: IoTClient;
  readonly thing: string;
  readonly policyName: string;
  /** Use the thing if it exists (re-provisioning a board); otherwise an existing thing is an error. */
  readonly existingThing?: boolean;
  /** The account's IoT data endpoint; looked up (iot:Data-ATS) when left out. */
  readonly endpoint?: string;
  readonly onStep?: (step: string) => void;
}): Promise<AwsIdentity> {
  const { client, thing, policyName } = options;
  const step = options.onStep ?? (() => {});
  checkThingName(thing);
  let endpoint = options.endpoint;
  if (!endpoint) {
    step("looking up the account's IoT data endpoint");
    endpoint = (await call("DescribeEndpoint", () => client.send(new DescribeEndpointCommand({ endpointType: "iot:Data-ATS" })))).endpointAddress;
    if (!endpoint) throw new AwsProvisionError("DescribeEndpoint returned no endpoint address");
  }

  // CreateThing answers success for a thing that exists with the same settings, so only a lookup tells whether this run made it (and may delete it on failure).
  step(`looking for thing ${thing}`);
  let thingCreated = false;
  try {
    await client.send(new DescribeThingCommand({ thingName: thing }));
    if (!options.existingThing)
      throw new AwsProvisionError(`thing "${thing}" already exists in AWS IoT; pass --existing-thing to give it a new certificate, or choose another name`);
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error instanceof AwsProvisionError ? error : explain("DescribeThing", error);
    step(`creating thing ${thing}`);
    try {
      await client.send(new CreateThingCommand({ thingName: thing }));
    } catch (creating) {
      if (creating instanceof ResourceAlreadyExistsException)
        throw new AwsProvisionError(`thing "${thing}" was created by someone else meanwhile; nothing was created`);
      throw explain("CreateThing", creating);
    }
    thingCreated = true;
  }

  step("creating a key pair and an active certificate");
  let created;
  try {
    created = await client.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  } catch (error) {
    throw await undo(client, { thing: thingCreated ? thing : undefined }, explain("CreateKeysAndCertificate", error));
  }
  const { certificateArn, certificateId, certificatePem } = created;
  const privateKey = created.keyPair?.PrivateKey;
  if (!certificateArn || !certificateId || !certificatePem || !privateKey) {
    throw await undo(
      client,
      { thing: thingCreated ? thing : undefined, certificateId },
      new AwsProvisionError("CreateKeysAndCertificate answered without a certificate or key"),
    );
  }

  let policyAttached = false;
  try {
    step(`attaching policy ${policyName} to the certificate`);
    await client.send(new AttachPolicyCommand({ policyName, target: certificateArn }));
    policyAttached = true;
    step(`attaching the certificate to thing ${thing}`);
    await client.send(new AttachThingPrincipalCommand({ thingName: thing, principal: certificateArn }));
  } catch (error) {
    const failed = policyAttached ? "AttachThingPrincipal" : "AttachPolicy";
    throw await undo(
      client,
      { thing: thingCreated ? thing : undefined, certificateId, policy: policyAttached ? { policyName, certificateArn } : undefined },
      explain(failed, error),
    );
  }
  return {
    thing,
    caPem: amazonRootCa1(),
    certPem: certificatePem,
    keyPem: pkcs8Pem(privateKey),
    endpoint,
    port: 8883,
    certificateArn,
    certificateId,
    thingCreated,
  };
}

async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw explain(operation, error);
  }
}

function explain(operation: string, error: unknown): AwsProvisionError {
  if (error instanceof ThrottlingException) return new AwsProvisionError(`AWS IoT throttled ${operation} and the SDK's retries ran out; try again in a minute`);
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  return new AwsProvisionError(`${operation} failed: ${name}: ${message}`);
}

/** Takes back what this run created, newest first; returns `cause` with whatever could not be undone named. */
async function undo(
  client: IoTClient,
  made: { thing?: string | undefined; certificateId?: string | undefined; policy?: { policyName: string; certificateArn: string } | undefined },
  cause: AwsProvisionError,
): Promise<AwsProvisionError> {
  const left: string[] = [];
  const attempt = async (what: string, send: () => Promise<unknown>): Promise<boolean> => {
    try {
      await send();
      return true;
    } catch {
      left.push(what);
      return false;
    }
  };
  if (made.policy) {
    const { policyName, certificateArn } = made.policy;
    await attempt(`policy ${policyName} attached to ${certificateArn}`, () => client.send(new DetachPolicyCommand({ policyName, target: certificateArn })));
  }
  if (made.certificateId) {
    const certificateId = made.certificateId;
    const inactive = await attempt(`active certificate ${certificateId}`, () =>
      client.send(new UpdateCertificateCommand({ certificateId, newStatus: "INACTIVE" })),
    );
    if (inactive) await attempt(`inactive certificate ${certificateId}`, () => client.send(new DeleteCertificateCommand({ certificateId })));
  }
  if (made.thing) {
    const thingName = made.thing;
    await attempt(`thing ${thingName}`, () => client.send(new DeleteThingCommand({ thingName })));
  }
  return new AwsProvisionError(
    left.length === 0
      ? `${cause.message}; nothing was left behind in AWS IoT`
      : `${cause.message}; left behind in AWS IoT (delete by hand): ${left.join(", ")}`,
  );
}
