import { boardClock } from "./VirtualClock.ts";

/** Moddable's `time` module: `Time.set` moves the board's wall clock, as SNTP does on the device. */
const Time = {
  set(seconds: number): void {
    boardClock.setWallBase(seconds * 1000 - boardClock.now());
  },
  timezone: 0,
  dst: 0,
  get ticks(): number {
    return boardClock.now();
  },
  delta(start: number, end?: number): number {
    return (end ?? boardClock.now()) - start;
  },
};

export default Time;
