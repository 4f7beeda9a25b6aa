import path from "node:path";
import { ConsoleOnlyBoard } from "../../board-sim/board/ConsoleOnlyBoard.ts";
import { NvsStore } from "../../board-sim/board/NvsStore.ts";
import { ConsoleClient } from "./ConsoleClient.ts";
import { ttyLink } from "./ConsoleLink.ts";

/** Where `aqm provision` finds the board's console: a serial port, or a simulated board's folder. */
export type ConsoleTarget = { readonly serial: string } | { readonly board: string };

/**
 * Opens the console of a real board on a serial port, or of a simulated board whose preferences
 * live in `<dir>/nvs.json` (as the local twin keeps them), which is run as far as its console.
 */
export function openConsole(target: ConsoleTarget, onLog: (line: string) => void): { client: ConsoleClient; close(): void } {
  if ("serial" in target) {
    const link = ttyLink(target.serial);
    const client = new ConsoleClient(link, { onLog });
    return {
      client,
      close: () => {
        client.close();
        link.close();
      },
    };
  }
  const bench = new ConsoleOnlyBoard({
    preferences: new NvsStore({ file: path.join(target.board, "nvs.json") }),
    firmwareVersion: "console-bench",
    epochAtBoot: Date.now(),
  });
  const client = new ConsoleClient(bench.uart, { onLog });
  return { client, close: () => client.close() };
}
