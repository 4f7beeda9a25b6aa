import "./boot.ts";
import { boardClock } from "./VirtualClock.ts";

export { board, FIRMWARE_VERSION } from "../../../../firmware/main";

/** The host's handle on the running bundle: it moves board time; everything else goes through the port. */
export function advance(ms: number): void {
  boardClock.advance(ms);
}

export function now(): number {
  return boardClock.now();
}
