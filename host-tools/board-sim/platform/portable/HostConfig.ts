import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

/** What the host tells a simulated board at boot: its build-time config (as `mc/config`) and the wall time at power-on. */
export interface HostBoardConfig {
  readonly config: Record<string, unknown>;
  readonly epochAtBoot: number;
}

export function readHostConfig(): HostBoardConfig {
  const value = expectOk(hostPort().request({ op: "config" }), "board config").value;
  if (typeof value !== "string") throw new Error("board config: the host answered without a JSON document");
  return JSON.parse(value) as HostBoardConfig;
}
