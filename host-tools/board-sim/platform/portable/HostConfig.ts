import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

/** What the host tells a simulated board at boot: its build-time config (as `mc/config`) and the wall time at power-on. */
export interface HostBoardConfig {
  readonly config: Record<string, unknown>;
  readonly epochAtBoot: number;
  /**
   * Which image the board runs (`mcconfig -d` or not). In a debug build the SDK's debugger holds
   * UART 0 for xsbug (build/devices/esp32/lib/debugger/debugger_uart.c). Release when not said.
   */
  readonly build?: "debug" | "release";
}

export function readHostConfig(): HostBoardConfig {
  const value = expectOk(hostPort().request({ op: "config" }), "board config").value;
  if (typeof value !== "string") throw new Error("board config: the host answered without a JSON document");
  return JSON.parse(value) as HostBoardConfig;
}
