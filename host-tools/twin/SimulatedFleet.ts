import { performance, type EventLoopUtilization } from "node:perf_hooks";
import { chmodSync, closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import { parseLogLine } from "../field/monitor/LogLineParser.ts";
import { TlsMqttConnection } from "../board-sim/platform/TlsMqttConnection.ts";
import { VmBoard } from "../board-sim/platform/VmBoard.ts";
import { NvsStore } from "../board-sim/board/NvsStore.ts";
import { simulatedBoard, type StoredIdentity } from "../board-sim/board/SimulatedBoard.ts";
import { NO_TRACES } from "../board-sim/board/TraceRing.ts";
import { fleetAir, type FleetAirSource } from "./FleetAir.ts";
import { BoardLogState } from "./BoardLogState.ts";
import { drivenBoard, FleetDrive, type FleetDriveFigures } from "./FleetDrive.ts";
import { ConnectionGate } from "./ConnectionGate.ts";

/** How often board clocks catch up with wall time: short enough that MQTT answers reach the firmware promptly. */
const DRIVE_EVERY_MS = 50;
/** Handshakes a fleet (or a worker's share of one) has under way at once: see ConnectionGate. */
const HANDSHAKES_AT_ONCE = 32;

/** One board of the fleet, before it powers up. */
export interface FleetMember {
  readonly thing: string;
  readonly identity: StoredIdentity;
  /** Seeds its air, so that boards differ. */
  readonly seed: number;
  /** A board the broker must refuse: it keeps no files, and nothing it queues can ever be acknowledged. */
  readonly rogue: boolean;
}

export interface SimulatedFleetOptions {
  readonly members: readonly FleetMember[];
  /** Where each board keeps its preferences, unsent readings and serial log: `boardsDir/<thing>/`. */
  readonly boardsDir: string;
  /** The broker: the name the boards ask for (their SNI and the name they check), its port, and where they connect (the name's address by DNS unless given). */
  readonly endpoint: { readonly name: string; readonly port: number; readonly address?: string };
  readonly sampleIntervalMs: number;
  /** Boards power up spread evenly over this window, as a fleet does after a power cut; 0 powers all at once. */
  readonly powerUpWindowMs: number;
  readonly air: FleetAirSource;
}

/** What one board did, when the fleet stopped. */
export interface FleetMemberOutcome {
  readonly thing: string;
  /** False for a board the stop came before (its power-up was still ahead in the window). */
  readonly poweredUp: boolean;
  readonly readings: number;
  /** Everything it queued was acknowledged by the broker. */
  readonly drained: boolean;
  readonly rogue: boolean;
  readonly led: string;
}

/** A fleet as the twin and aqm fleet drive it: in this thread (SimulatedFleet) or spread over worker threads (FleetWorkers). */
export interface RunningFleet {
  /** Each board's state as its serial log tells it, in the order of the members. */
  readonly statuses: readonly BoardLogState[];
  /** How many boards have powered up so far. */
  readonly poweredUp: number;
  /** Resolves once every board has powered up (or the fleet was stopped first). */
  readonly allPoweredUp: Promise<void>;
  readonly driveFigures: FleetDriveFigures;
  /** The event loops the boards run on, each its utilisation since it started: the main thread's, or one a worker. */
  readonly boardLoops: readonly EventLoopUtilization[];
  /** The V8 heap in use (bytes) of each worker thread the boards run in; none when they run on the main thread, whose heap is the process's. */
  readonly boardHeaps: readonly number[];
  stop(drainLimitMs: number): Promise<FleetMemberOutcome[]>;
}

interface RunningBoard {
  readonly member: FleetMember;
  readonly vm: VmBoard;
  readonly serialLog: number;
}

/**
 * A fleet of simulated boards, each running the firmware bundle with its own identity, flash,
 * preferences and serial log, connected over mutual TLS to one broker (the local IoT Core, or
 * AWS IoT Core for a load test). Boards power up spread over a window; one drive loop moves them
 * all through time (FleetDrive). The view knows each board only through its serial log.
 */
export class SimulatedFleet implements RunningFleet {
  readonly #options: SimulatedFleetOptions;
  readonly #statuses: BoardLogState[];
  readonly #running: RunningBoard[] = [];
  readonly #drive = new FleetDrive();
  readonly #gate = new ConnectionGate(HANDSHAKES_AT_ONCE);
  readonly #driver: NodeJS.Timeout;
  readonly #poweringUp: Promise<void>;
  #stopping = false;
  #wakePowerUp: (() => void) | undefined;

  constructor(options: SimulatedFleetOptions) {
    this.#options = options;
    this.#statuses = options.members.map((member) => new BoardLogState(member.thing));
    this.#driver = setInterval(() => this.#drive.turn(), DRIVE_EVERY_MS);
    this.#poweringUp = this.#powerUp();
  }

  get statuses(): readonly BoardLogState[] {
    return this.#statuses;
  }

  get poweredUp(): number {
    return this.#running.length;
  }

  get driveFigures(): FleetDriveFigures {
    return this.#drive.figures;
  }

  get boardLoops(): readonly EventLoopUtilization[] {
    return [performance.eventLoopUtilization()];
  }

  get boardHeaps(): readonly number[] {
    return [];
  }

  get allPoweredUp(): Promise<void> {
    return this.#poweringUp;
  }

  /**
   * Boards stop sampling and keep running until the broker has acknowledged everything they
   * queued (at most `drainLimitMs`); boards still waiting to power up never do. Rogue boards are
   * not waited for: they can never be acknowledged.
   */
  async stop(drainLimitMs: number): Promise<FleetMemberOutcome[]> {
    this.#stopping = true;
    this.#wakePowerUp?.();
    await this.#poweringUp;
    const drained = new Set<string>();
    for (const board of this.#running) board.vm.firmware.board.stop(() => drained.add(board.member.thing));
    const waitingFor = this.#running.filter((board) => !board.member.rogue);
    const deadline = performance.now() + drainLimitMs;
    while (waitingFor.some((board) => !drained.has(board.member.thing)) && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, DRIVE_EVERY_MS));
    clearInterval(this.#driver);
    for (const board of this.#running) closeSync(board.serialLog);
    const running = new Map(this.#running.map((board) => [board.member.thing, board]));
    return this.#options.members.map((member, i) => {
      const board = running.get(member.thing);
      const led = this.#statuses[i]!.led;
      if (!board) return { thing: member.thing, poweredUp: false, readings: 0, drained: true, rogue: member.rogue, led };
      const firmware = board.vm.firmware.board;
      return {
        thing: member.thing,
        poweredUp: true,
        readings: firmware.sequence,
        drained: drained.has(member.thing),
        rogue: member.rogue,
        led,
      };
    });
  }

  /** Powers the boards up in order, evenly spread over the window. */
  async #powerUp(): Promise<void> {
    const { members, powerUpWindowMs } = this.#options;
    const start = performance.now();
    for (let i = 0; i < members.length && !this.#stopping; i++) {
      // Always through the timer queue, even when behind schedule: booting back to back would
      // starve the TLS traffic of the boards already up, and none of them would ever connect.
      const wait = Math.max(0, start + (powerUpWindowMs * i) / members.length - performance.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#wakePowerUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.#stopping) break;
      await this.#boot(members[i]!, this.#statuses[i]!);
    }
    this.#wakePowerUp = undefined;
  }

  async #boot(member: FleetMember, status: BoardLogState): Promise<void> {
    const { endpoint, boardsDir, sampleIntervalMs } = this.#options;
    const boardDir = path.join(boardsDir, member.thing);
    // Its nvs.json holds the board's key and Wi-Fi password.
    mkdirSync(boardDir, { recursive: true, mode: 0o700 });
    chmodSync(boardDir, 0o700);
    const serialLog = openSync(path.join(boardDir, "serial.log"), "a");
    status.connection = "starting";
    let partial = "";
    const { sim } = simulatedBoard({
      thing: member.thing,
      epochAtBoot: Date.now(),
      identity: member.identity,
      preferences: new NvsStore(member.rogue ? {} : { file: path.join(boardDir, "nvs.json") }),
      ...(member.rogue ? {} : { outboxFlashFile: path.join(boardDir, "aqmlog.bin") }),
      config: { endpoint: endpoint.name, port: endpoint.port, sampleIntervalMs, readIntervalMs: readIntervalFor(sampleIntervalMs) },
      mqtt: this.#gate.connector((open, events) => new TlsMqttConnection(open, events, endpoint.address === undefined ? {} : { address: endpoint.address })),
      air: fleetAir(this.#options.air, member.seed),
      // The serial log is on disk and folded into the status: the board keeps no trace in memory.
      traces: NO_TRACES,
      onConsole: (text) => {
        writeSync(serialLog, text);
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          try {
            status.apply(parseLogLine(line));
          } catch {
            status.unparsedLines++;
          }
        }
      },
    });
    const vm = await VmBoard.boot(sim);
    this.#running.push({ member, vm, serialLog });
    this.#drive.add(drivenBoard(vm, sim));
  }
}

/** The manifest's 5 s read interval where it divides the sampling interval; otherwise one read per reading. */
function readIntervalFor(sampleIntervalMs: number): number {
  return sampleIntervalMs % 5_000 === 0 ? 5_000 : sampleIntervalMs;
}
