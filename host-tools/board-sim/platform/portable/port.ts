import type { HostPort } from "./HostPort.ts";

/**
 * The host port of the board this bundle runs as. Looked up on each call rather than captured at
 * import, because the host installs it on the global before it evaluates the bundle and a test
 * may swap it between scenarios.
 */
export function hostPort(): HostPort {
  const port = (globalThis as unknown as { aqmHostPort?: HostPort }).aqmHostPort;
  if (!port) throw new Error("no host port: the host must set globalThis.aqmHostPort before it runs the firmware");
  return port;
}
