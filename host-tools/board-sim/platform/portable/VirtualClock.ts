import { dispatch } from "./EventDispatch.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

/**
 * Board time for a simulated board: the clock behind `timer`, `Date.now()` and every host model.
 *
 * Nothing moves unless the host calls `advance(ms)`. Between timer callbacks the clock asks the
 * host for pending IO (serial bytes, MQTT packets) and stops at the moment a model said it would
 * next have something, so a day of board time runs in seconds and two runs are identical.
 * In real-time mode the host simply advances by the wall time that has passed.
 */
export interface ClockTimer {
  readonly id: number;
  callback: (timer: ClockTimer) => void;
  due: number;
  repeat: number | undefined;
  active: boolean;
}

/** Guard against a host model that keeps promising an event "now" without delivering one. */
const MAX_IDLE_STEPS = 1000;

export class VirtualClock {
  #now = 0;
  #nextId = 1;
  #timers: ClockTimer[] = [];
  #wallBase = 0;

  /** Milliseconds since boot. */
  now(): number {
    return this.#now;
  }

  /** Milliseconds since the Unix epoch, as `Date.now()` reports once the board has time. */
  wallNow(): number {
    return this.#wallBase + this.#now;
  }

  setWallBase(epochMsAtBoot: number): void {
    this.#wallBase = epochMsAtBoot;
  }

  set(callback: (timer: ClockTimer) => void, interval = 0, repeat?: number): ClockTimer {
    const timer: ClockTimer = { id: this.#nextId++, callback, due: this.#now + Math.max(0, interval), repeat, active: true };
    this.#timers.push(timer);
    return timer;
  }

  schedule(timer: ClockTimer, interval = 0, repeat?: number): void {
    timer.due = this.#now + Math.max(0, interval);
    timer.repeat = repeat;
    if (!timer.active) {
      timer.active = true;
      this.#timers.push(timer);
    }
  }

  clear(timer: ClockTimer | undefined | null): void {
    if (!timer) return;
    timer.active = false;
    this.#timers = this.#timers.filter((t) => t !== timer);
  }

  /** A blocking wait on the device: time passes and host models see it, but no callback runs. */
  delay(ms: number): void {
    this.#now += Math.max(0, ms);
    this.#pollHost();
  }

  /** When the next timer is due, if any. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const timer of this.#timers) if (due === undefined || timer.due < due) due = timer.due;
    return due;
  }

  /**
   * Runs everything due in the next `ms` milliseconds, in time order (timers due at the same
   * moment run in the order they were set), delivering host IO as it becomes ready.
   */
  advance(ms: number): void {
    const target = this.#now + Math.max(0, ms);
    let idleSteps = 0;
    for (;;) {
      const hostNext = this.#pollHost();
      const timer = this.#earliest();
      const timerDue = timer?.due ?? Infinity;
      const next = Math.min(timerDue, hostNext ?? Infinity);
      if (next > target) break;
      if (next > this.#now) {
        this.#now = next;
        idleSteps = 0;
        continue;
      }
      if (timer && timerDue <= this.#now) {
        this.#fire(timer);
        idleSteps = 0;
        continue;
      }
      if (++idleSteps > MAX_IDLE_STEPS) throw new Error(`host promised IO at ${hostNext} ms but delivered none (board time ${this.#now} ms)`);
    }
    // A blocking delay inside a callback can carry time past the target; time never goes back.
    this.#now = Math.max(this.#now, target);
    this.#pollHost();
  }

  #earliest(): ClockTimer | undefined {
    let earliest: ClockTimer | undefined;
    for (const timer of this.#timers) if (!earliest || timer.due < earliest.due) earliest = timer;
    return earliest;
  }

  #fire(timer: ClockTimer): void {
    if (timer.repeat === undefined) this.clear(timer);
    else timer.due = this.#now + Math.max(1, timer.repeat);
    timer.callback(timer);
  }

  /** Tells the host the time, delivers what it has ready, and returns when it next will have something. */
  #pollHost(): number | undefined {
    const reply = expectOk(hostPort().request({ op: "tick", now: this.#now }), "host tick");
    if (reply.events && reply.events.length > 0) dispatch(reply.events);
    return reply.nextEventAt ?? undefined;
  }
}

/** The clock of the board this bundle runs as: one per bundle, as a device has one. */
export const boardClock = new VirtualClock();
