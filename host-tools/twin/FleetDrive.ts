import type { BoardHardware } from "../board-sim/board/BoardHardware.ts";
import type { VmBoard } from "../board-sim/platform/VmBoard.ts";

/** What the drive loop needs of one running board. */
export interface DrivenBoard {
  /** Board time: ms since the board powered up. */
  readonly now: number;
  /** Runs the board's firmware for `ms` more milliseconds of board time. */
  advance(ms: number): void;
  /** Board time of the board's next timer, or of IO its host has promised (a sensor's bytes); undefined when nothing is scheduled. */
  nextWakeAt(): number | undefined;
  /** IO arrived from outside (an MQTT packet, a dropped link) and waits for the board's next turn. */
  readonly ioWaiting: boolean;
}

export interface FleetDriveOptions {
  /** Monotonic wall time in ms; `performance.now` unless a test brings its own clock. */
  readonly wallClock?: () => number;
  /**
   * A board with nothing due is still brought up to wall time at least this often. IO that
   * arrives while a board is idle is handed to it at the board time of its last turn, so this
   * bounds how old that stamp can be.
   */
  readonly maxIdleMs?: number;
}

/** What the loop has done, to measure how much of the fleet's time is spent idle. */
export interface FleetDriveFigures {
  readonly turns: number;
  /** Boards moved on (a firmware run). */
  readonly advances: number;
  /** Boards left alone in a turn because nothing was due for them. */
  readonly idle: number;
}

interface Entry {
  readonly board: DrivenBoard;
  readonly poweredAt: number;
  lastAdvancedAt: number;
}

const DEFAULT_MAX_IDLE_MS = 1_000;

/**
 * Moves a fleet of simulated boards through time with the wall clock.
 *
 * Each board's time is set from the wall time since it powered up, never summed from the steps
 * it was given: a blocking wait in the firmware (a sensor's conversion time) runs the board's
 * clock past the wall for a moment, and the board then waits for the wall to catch up. Summing the
 * steps instead adds every such wait to the board's clock for good (about 1.2 % fast).
 *
 * A board with no timer due, no IO promised and none waiting is left alone for the turn: most of
 * a sampling board's 50 ms turns have nothing to do, and running its firmware for nothing is what
 * used to fill the event loop of a large fleet.
 */
export class FleetDrive {
  readonly #wallClock: () => number;
  readonly #maxIdleMs: number;
  readonly #entries: Entry[] = [];
  #figures: FleetDriveFigures = { turns: 0, advances: 0, idle: 0 };

  constructor(options: FleetDriveOptions = {}) {
    this.#wallClock = options.wallClock ?? (() => performance.now());
    this.#maxIdleMs = options.maxIdleMs ?? DEFAULT_MAX_IDLE_MS;
  }

  /** Adds a board whose time 0 is the wall time `poweredAt` (now when left out). */
  add(board: DrivenBoard, poweredAt = this.#wallClock()): void {
    this.#entries.push({ board, poweredAt, lastAdvancedAt: poweredAt });
  }

  get figures(): FleetDriveFigures {
    return this.#figures;
  }

  /** One pass over the fleet: each board something is due for is brought up to wall time. */
  turn(): void {
    const wall = this.#wallClock();
    let advances = 0;
    let idle = 0;
    for (const entry of this.#entries) {
      const { board } = entry;
      const target = Math.floor(wall - entry.poweredAt);
      const behind = target - board.now;
      if (behind <= 0) continue;
      const wake = board.nextWakeAt();
      const due = board.ioWaiting || (wake !== undefined && wake <= target) || wall - entry.lastAdvancedAt >= this.#maxIdleMs;
      if (!due) {
        idle++;
        continue;
      }
      entry.lastAdvancedAt = wall;
      board.advance(behind);
      advances++;
    }
    const f = this.#figures;
    this.#figures = { turns: f.turns + 1, advances: f.advances + advances, idle: f.idle + idle };
  }
}

/** A firmware bundle running in a `vm` context on its simulated hardware, as the drive loop sees it. */
export function drivenBoard(vm: VmBoard, hardware: BoardHardware): DrivenBoard {
  return {
    get now() {
      return vm.now;
    },
    advance: (ms) => vm.advance(ms),
    nextWakeAt: () => {
      const timer = vm.nextDue();
      const io = hardware.nextEventAt;
      return timer === undefined ? io : io === undefined ? timer : Math.min(timer, io);
    },
    get ioWaiting() {
      return hardware.hasWaitingEvents;
    },
  };
}
