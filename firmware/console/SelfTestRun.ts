import type { CallbackTimer } from "../types/CallbackTimer";

/**
 * A sensor's self-test as the console sees it. The board wires one per part (SHT4x, PMS5003, each
 * ADS1115), so the console never imports a driver. `run` may answer at once or later (a PMS5003
 * waits for a frame); answering more than once, or after the console gave up, is ignored.
 */
export type SelfTestOutcome = { readonly ok: true } | { readonly ok: false; readonly fault: string };

export interface SensorSelfTest {
  /** Short, without spaces or `=`: it becomes a key in the reply, e.g. `sht4x`, `ads1115-0x48`. */
  readonly name: string;
  run(report: (outcome: SelfTestOutcome) => void): void;
}

export interface SelfTestResult {
  readonly name: string;
  /** `ok`, `fault:<code>`, or `timeout`. */
  readonly result: string;
}

/**
 * Runs the self-tests one after the other (they share the I2C bus), each within `timeoutMs`, and
 * reports all results once the last has answered or timed out.
 */
export class SelfTestRun {
  readonly #tests: readonly SensorSelfTest[];
  readonly #timer: CallbackTimer;
  readonly #timeoutMs: number;
  readonly #done: (results: readonly SelfTestResult[]) => void;
  readonly #results: SelfTestResult[] = [];

  constructor(options: { tests: readonly SensorSelfTest[]; timer: CallbackTimer; timeoutMs: number; done: (results: readonly SelfTestResult[]) => void }) {
    this.#tests = options.tests;
    this.#timer = options.timer;
    this.#timeoutMs = options.timeoutMs;
    this.#done = options.done;
  }

  start(): void {
    this.#next();
  }

  #next(): void {
    const test = this.#tests[this.#results.length];
    if (!test) {
      this.#done(this.#results);
      return;
    }
    let settled = false;
    const settle = (result: string): void => {
      if (settled) return;
      settled = true;
      this.#timer.clear(timeout);
      this.#results.push({ name: test.name, result });
      this.#next();
    };
    const timeout = this.#timer.set(() => settle("timeout"), this.#timeoutMs);
    try {
      test.run((outcome) => settle(outcome.ok ? "ok" : `fault:${outcome.fault}`));
    } catch (error) {
      settle(`fault:${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
