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

/** Board time at which the next timer is due, if any: a host that drives many boards leaves a board idle until then. */
export function nextDue(): number | undefined {
  return boardClock.nextDue();
}
