import { boardClock, type ClockTimer } from "./VirtualClock.ts";

/** Moddable's `timer` module, on the board's virtual clock. */
const Timer = {
  set(callback: (timer: ClockTimer) => void, interval?: number, repeat?: number): ClockTimer {
    return boardClock.set(callback, interval, repeat);
  },
  repeat(callback: (timer: ClockTimer) => void, interval: number): ClockTimer {
    return boardClock.set(callback, interval, interval);
  },
  schedule(timer: ClockTimer, interval?: number, repeat?: number): void {
    boardClock.schedule(timer, interval, repeat);
  },
  clear(timer: ClockTimer | undefined | null): void {
    boardClock.clear(timer);
  },
  delay(ms: number): void {
    boardClock.delay(ms);
  },
};

export default Timer;
