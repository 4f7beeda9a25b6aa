import type { EventLoopUtilization } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { BoardLogState } from "./BoardLogState.ts";
import type { FleetDriveFigures } from "./FleetDrive.ts";
import type { FleetMemberOutcome, RunningFleet, SimulatedFleetOptions } from "./SimulatedFleet.ts";

/** What a worker says of one board: the fields of its BoardLogState. */
export type BoardStatusSnapshot = Omit<BoardLogState, "thing" | "apply">;

export type FleetWorkerReport =
  | {
      readonly kind: "status";
      readonly poweredUp: number;
      readonly drive: FleetDriveFigures;
      /** The worker's own V8 heap in use (bytes). */
      readonly heapUsed: number;
      readonly boards: readonly BoardStatusSnapshot[];
    }
  | { readonly kind: "powered-up" }
  | { readonly kind: "stopped"; readonly outcomes: readonly FleetMemberOutcome[] };

export interface FleetWorkerRequest {
  readonly kind: "stop";
  readonly drainLimitMs: number;
}

interface Share {
  readonly worker: Worker;
  /** Indexes into the fleet's members, in the share's order. */
  readonly members: readonly number[];
  poweredUp: number;
  drive: FleetDriveFigures;
  heapUsed: number;
  readonly allPoweredUp: Promise<void>;
  readonly stopped: Promise<readonly FleetMemberOutcome[]>;
}

const BOOT = new URL("./FleetWorkerBoot.mjs", import.meta.url);

/**
 * The fleet spread over worker threads, so that the boards (their firmware, their TLS clients,
 * their serial logs) run beside the main thread's IoT Core and lake instead of on top of them.
 * Board i goes to worker i mod n, each worker powering its share over the whole window, so the
 * power-up stays spread in board order. The view's states arrive from each worker twice a second.
 */
export class FleetWorkers implements RunningFleet {
  readonly #statuses: BoardLogState[];
  readonly #shares: Share[];

  constructor(options: SimulatedFleetOptions, workers: number, onFailure: (message: string) => void) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`a fleet needs a whole number of worker threads from 1, not ${workers}`);
    this.#statuses = options.members.map((member) => new BoardLogState(member.thing));
    const count = Math.min(workers, options.members.length);
    this.#shares = Array.from({ length: count }, (_, w) => {
      const members = options.members.flatMap((_, i) => (i % count === w ? [i] : []));
      // Not the main thread's flags: its --import hooks are for the main thread, and the boot file registers the loader itself.
      const worker = new Worker(BOOT, {
        execArgv: [],
        workerData: { ...options, members: members.map((i) => options.members[i]!) } satisfies SimulatedFleetOptions,
      });
      let poweredUp!: () => void;
      let stopped!: (outcomes: readonly FleetMemberOutcome[]) => void;
      let failed!: (error: Error) => void;
      const share: Share = {
        worker,
        members,
        poweredUp: 0,
        drive: { turns: 0, advances: 0, idle: 0 },
        heapUsed: 0,
        allPoweredUp: new Promise<void>((resolve) => (poweredUp = resolve)),
        stopped: new Promise<readonly FleetMemberOutcome[]>((resolve, reject) => {
          stopped = resolve;
          failed = reject;
        }),
      };
      // A stop that never comes (the worker died) must not leave an unhandled rejection behind.
      share.stopped.catch(() => undefined);
      worker.on("message", (report: FleetWorkerReport) => {
        if (report.kind === "powered-up") poweredUp();
        else if (report.kind === "stopped") stopped(report.outcomes);
        else {
          share.poweredUp = report.poweredUp;
          share.drive = report.drive;
          share.heapUsed = report.heapUsed;
          report.boards.forEach((snapshot, j) => Object.assign(this.#statuses[members[j]!]!, snapshot));
        }
      });
      worker.on("error", (error) => {
        onFailure(`board worker ${w + 1} of ${count} (${members.length} boards) failed: ${error.message}`);
        poweredUp();
        failed(error);
      });
      return share;
    });
  }

  get statuses(): readonly BoardLogState[] {
    return this.#statuses;
  }

  get poweredUp(): number {
    return this.#shares.reduce((sum, share) => sum + share.poweredUp, 0);
  }

  get allPoweredUp(): Promise<void> {
    return Promise.all(this.#shares.map((share) => share.allPoweredUp)).then(() => undefined);
  }

  get boardLoops(): readonly EventLoopUtilization[] {
    return this.#shares.map((share) => share.worker.performance.eventLoopUtilization());
  }

  get boardHeaps(): readonly number[] {
    return this.#shares.map((share) => share.heapUsed);
  }

  get driveFigures(): FleetDriveFigures {
    return this.#shares.reduce((sum, { drive }) => ({ turns: sum.turns + drive.turns, advances: sum.advances + drive.advances, idle: sum.idle + drive.idle }), {
      turns: 0,
      advances: 0,
      idle: 0,
    });
  }

  async stop(drainLimitMs: number): Promise<FleetMemberOutcome[]> {
    for (const share of this.#shares) share.worker.postMessage({ kind: "stop", drainLimitMs } satisfies FleetWorkerRequest);
    const outcomes: FleetMemberOutcome[] = new Array(this.#statuses.length);
    for (const share of this.#shares) {
      const mine = await share.stopped;
      mine.forEach((outcome, j) => (outcomes[share.members[j]!] = outcome));
      await share.worker.terminate();
    }
    return outcomes;
  }
}
