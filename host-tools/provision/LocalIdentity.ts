import { LocalCa } from "../iot-core/LocalCa.ts";
import type { BoardIdentity } from "./BoardIdentity.ts";

/**
 * A board identity from the local twin's CA in `stateDir` (created on first use), kept in
 * `<stateDir>/things/<thing>/` as the local twin keeps its simulated boards' identities.
 */
export async function localIdentity(options: { stateDir: string; thing: string; endpoint: string; port?: number }): Promise<BoardIdentity> {
  const ca = await LocalCa.openOrCreate(options.stateDir);
  const issued = await ca.deviceIdentity(options.stateDir, options.thing);
  return {
    thing: options.thing,
    caPem: ca.certPem,
    certPem: issued.certPem,
    keyPem: issued.keyPem,
    endpoint: options.endpoint,
    ...(options.port === undefined ? {} : { port: options.port }),
  };
}
