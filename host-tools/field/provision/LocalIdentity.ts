import { LocalCa, type IssuedCertificate } from "../../local-cloud/iot-core/LocalCa.ts";
import type { BoardIdentity } from "./BoardIdentity.ts";

interface LocalBroker {
  readonly thing: string;
  readonly endpoint: string;
  readonly port?: number;
}

/**
 * A board identity from the local twin's CA in `stateDir` (created on first use), kept in
 * `<stateDir>/things/<thing>/` as the local twin keeps its simulated boards' identities.
 */
export async function localIdentity(options: LocalBroker & { stateDir: string }): Promise<BoardIdentity> {
  const ca = await LocalCa.openOrCreate(options.stateDir);
  return boardIdentity(ca, await ca.deviceIdentity(options.stateDir, options.thing), options);
}

/** A board identity just issued by `ca` and kept nowhere but on the board it is installed on. */
export async function freshLocalIdentity(ca: LocalCa, options: LocalBroker): Promise<BoardIdentity> {
  return boardIdentity(ca, await ca.issueDeviceCertificate(options.thing), options);
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
