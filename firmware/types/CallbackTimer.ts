/**
 * Moddable's `Timer.set` and `Timer.clear` as the console, its self-tests and the update receiver
 * take them: the board passes the `timer` module, tests and the simulator a simulated clock.
 */
export interface CallbackTimer {
  set(callback: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}
