import { LocalCa, type IssuedCertificate } from "../../local-cloud/iot-core/LocalCa.ts";
import { ThingRegistry } from "../../local-cloud/iot-core/ThingRegistry.ts";
import type { BoardIdentity } from "./BoardIdentity.ts";

interface LocalBroker {
  readonly thing: string;
  readonly endpoint: string;
  readonly port?: number;
}

/**
 * A board identity from the local twin's CA in `stateDir` (created on first use), kept in
 * `<stateDir>/things/<thing>/` as the local twin keeps its simulated boards' identities, and
 * registered (thing, ACTIVE certificate, attached) in the state folder's thing registry.
 */
export async function localIdentity(options: LocalBroker & { stateDir: string }): Promise<BoardIdentity> {
  const ca = await LocalCa.openOrCreate(options.stateDir);
  const issued = await ca.deviceIdentity(options.stateDir, options.thing);
  ThingRegistry.open(options.stateDir).provision(options.thing, issued.certPem);
  return boardIdentity(ca, issued, options);
}

/** A board identity just issued by `ca`, registered in `registry`, and kept nowhere but on the board it is installed on. */
export async function freshLocalIdentity(ca: LocalCa, registry: ThingRegistry, options: LocalBroker): Promise<BoardIdentity> {
  const issued = await ca.issueDeviceCertificate(options.thing);
  registry.provision(options.thing, issued.certPem);
  return boardIdentity(ca, issued, options);
}

function boardIdentity(ca: LocalCa, issued: IssuedCertificate, options: LocalBroker): BoardIdentity {
  return {
    thing: options.thing,
    caPem: ca.certPem,
    certPem: issued.certPem,
    keyPem: issued.keyPem,
    endpoint: options.endpoint,
    ...(options.port === undefined ? {} : { port: options.port }),
  };
}
