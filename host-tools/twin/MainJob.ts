import { appendFileSync, chmodSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { LocalCa, type IssuedCertificate } from "../local-cloud/iot-core/LocalCa.ts";
import { LakeQuery } from "../local-cloud/lake/LakeQuery.ts";
import { ReportServer } from "../analysis/report/ReportServer.ts";
import { LakeLoop, type LakeLoopFigures } from "./LakeLoop.ts";
import { LocalIotCore, type IotCoreEvent } from "../local-cloud/iot-core/LocalIotCore.ts";
import { acceptedLogFile } from "../local-cloud/iot-core/AcceptedLog.ts";
import { ThingRegistry } from "../local-cloud/iot-core/ThingRegistry.ts";
import { readingsTaken } from "./BoardReadings.ts";
import { parseLogLine } from "../field/monitor/LogLineParser.ts";
import { TlsMqttConnection } from "../board-sim/platform/TlsMqttConnection.ts";
import { VmBoard } from "../board-sim/platform/VmBoard.ts";
import { NvsStore } from "../board-sim/board/NvsStore.ts";
import { AirReplay, parseStationCsv, type StationRecord } from "../board-sim/scenarios/AirReplay.ts";
import { SyntheticAir } from "../board-sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../board-sim/board/SimulatedBoard.ts";
import { BoardLogState } from "./BoardLogState.ts";
import type { MainJobOptions } from "./MainJobOptions.ts";
import type { LakeFigures } from "./TerminalView.ts";

/** How often board clocks catch up with wall time: short enough that MQTT answers reach the firmware promptly. */
const DRIVE_EVERY_MS = 50;
const DAY_MS = 86_400_000;
/** Replaying boards start this far apart in the records, so each breathes different air. */
const REPLAY_OFFSET_MS = 5 * 3_600_000;
/** The twin runs at most 50 boards; the core's backlog leaves room for them all to connect at once, twice over. */
const LISTEN_BACKLOG = 128;

function readStationFile(file: string): StationRecord[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`--replay ${file}: ${(error as Error).message}`);
  }
  return parseStationCsv(text, file);
}

interface RunningBoard {
  readonly thing: string;
  readonly vm: VmBoard;
  readonly status: BoardLogState;
  /** A rogue board: the IoT Core must refuse it, so nothing it queues can ever be acknowledged. */
  readonly rogue: boolean;
  /** The board's own record of what it did, across every boot on this state folder. */
  readonly serialLog: string;
  lastDrive: number;
}

export interface StopSummary {
  /**
   * Over every boot of the board on this state folder: `readings` it took (its own serial log),
   * `curated` of them in the curated lake after the last curation, `boots` it went through, and
   * `lostOnBoard`: readings it held in RAM before its clock was set and lost when it restarted.
   */
  readonly boards: { thing: string; readings: number; boots: number; lostOnBoard: number; drained: boolean; rogue: boolean; led: string; curated: number }[];
  /** Messages the local Firehose wrote to the raw lake: a reading, or a batch of them, each. */
  readonly lakeRecords: number;
  /** Readings in those messages, as the curation counted them. */
  readonly lakeReadings: number;
  readonly lakeObjects: number;
  readonly pipeline: LakeLoopFigures;
}

/**
 * The local twin: a local IoT Core on 127.0.0.1 with mutual TLS, simulated boards running the
 * firmware bundle (each with its own certificate from the local CA); the core's telemetry rule
 * and local Firehose write what the boards send into the lake.
 */
export class MainJob {
  readonly #core: LocalIotCore;
  readonly #boards: RunningBoard[];
  readonly #lakeDir: string;
  readonly #driver: NodeJS.Timeout;
  readonly #pipeline: LakeLoop;
  readonly #report: ReportServer;
  /** The port the local IoT Core listens on (the one asked for, or the free one picked for 0). */
  readonly port: number;
  /** Where the report page is served. */
  readonly reportUrl: string;

  private constructor(parts: {
    core: LocalIotCore;
    boards: RunningBoard[];
    lakeDir: string;
    port: number;
    pipeline: LakeLoop;
    report: ReportServer;
    reportUrl: string;
  }) {
    this.port = parts.port;
    this.#core = parts.core;
    this.#boards = parts.boards;
    this.#lakeDir = parts.lakeDir;
    this.#pipeline = parts.pipeline;
    this.#report = parts.report;
    this.reportUrl = parts.reportUrl;
    this.#driver = setInterval(() => this.#drive(), DRIVE_EVERY_MS);
    parts.pipeline.start();
  }

  static async start(options: MainJobOptions, onNotice: (line: string) => void): Promise<MainJob> {
    const stationRecords = options.replayFile === undefined ? undefined : readStationFile(options.replayFile);
    const stateDir = path.resolve(options.stateDir);
    const lakeDir = path.join(stateDir, "lake");
    mkdirSync(lakeDir, { recursive: true });
    const ca = await LocalCa.openOrCreate(stateDir);
    const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
    const registry = ThingRegistry.open(stateDir);
    const core = new LocalIotCore({
      registry,
      listenBacklog: LISTEN_BACKLOG,
      host: "127.0.0.1",
      port: options.port,
      caPem: ca.certPem,
      certPem: server.certPem,
      keyPem: server.keyPem,
      shadowStateDir: stateDir,
      lake: { dir: lakeDir, acceptedLog: acceptedLogFile(stateDir) },
    });
    core.onEvent((event) => {
      const notice = noticeOf(event);
      if (notice) onNotice(notice);
    });
    const { port } = await core.start();

    const boards: RunningBoard[] = [];
    const launch = async (thing: string, seed: number, identity: IssuedCertificate, rogue: boolean): Promise<void> => {
      const boardDir = path.join(stateDir, "boards", thing);
      // Its nvs.json holds the board's key and Wi-Fi password.
      mkdirSync(boardDir, { recursive: true, mode: 0o700 });
      chmodSync(boardDir, 0o700);
      const status = new BoardLogState(thing);
      const serialLog = path.join(boardDir, "serial.log");
      let partial = "";
      const air = stationRecords ? new AirReplay(stationRecords, { startAt: Date.now() - seed * REPLAY_OFFSET_MS }) : new SyntheticAir(seed);
      const { sim } = simulatedBoard({
        thing,
        epochAtBoot: Date.now(),
        identity: { ca: ca.certDer, certificate: identity.certDer, key: identity.keyDer },
        preferences: new NvsStore(rogue ? {} : { file: path.join(boardDir, "nvs.json") }),
        ...(rogue ? {} : { outboxFlashFile: path.join(boardDir, "aqmlog.bin") }),
        config: { endpoint: "localhost", port, sampleIntervalMs: options.intervalMs, readIntervalMs: readIntervalFor(options.intervalMs) },
        // The board asks for "localhost" (its SNI and the name it checks); connect where the core listens.
        mqtt: (open, events) => new TlsMqttConnection(open, events, { address: "127.0.0.1" }),
        air: (t) => air.at(t),
        onConsole: (text) => {
          appendFileSync(serialLog, text);
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
      boards.push({ thing, vm: await VmBoard.boot(sim), status, rogue, serialLog, lastDrive: performance.now() });
    };
    for (let i = 1; i <= options.boards; i++) {
      const thing = `aqm-sim-${String(i).padStart(3, "0")}`;
      const identity = await ca.deviceIdentity(stateDir, thing);
      registry.provision(thing, identity.certPem);
      await launch(thing, i, identity, false);
    }
    for (const kind of options.rogueBoards) {
      const thing = `aqm-rogue-${kind}`;
      const identity =
        kind === "expired"
          ? await ca.issueDeviceCertificate(thing, { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) })
          : await (await LocalCa.createEphemeral("a CA the IoT Core does not trust")).issueDeviceCertificate(thing);
      await launch(thing, 1000 + boards.length, identity, true);
    }
    const shadows = core.shadows!;
    const pipeline = new LakeLoop({
      stateDir,
      etlEveryMs: options.etlEveryMs,
      trainEveryMs: options.trainEveryMs,
      publisher: { publishDesired: async (thing, desired) => void shadows.updateDesired(thing, desired) },
      onNotice,
    });
    const report = new ReportServer({ lakeDir, port: options.reportPort, forecasts: () => pipeline.forecasts() });
    let reportUrl: string;
    try {
      reportUrl = await report.start();
    } catch (error) {
      await core.stop();
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        code === "EADDRINUSE"
          ? `the report's port ${options.reportPort} is already in use; choose another with --report-port (0 picks a free one)`
          : (error as Error).message,
      );
    }
    return new MainJob({ core, boards, lakeDir, port, pipeline, report, reportUrl });
  }

  get statuses(): readonly BoardLogState[] {
    return this.#boards.map((board) => board.status);
  }

  get lake(): LakeFigures {
    const lake = this.#core.lake!;
    return {
      messages: lake.messages,
      records: lake.records,
      objects: lake.objects,
      lakeDir: this.#lakeDir,
      pipeline: this.#pipeline.figures,
      reportUrl: this.reportUrl,
    };
  }

  /**
   * Stops cleanly: boards stop sampling and keep running until the broker has acknowledged
   * everything they queued (at most `drainLimitMs`), then the broker closes and the lake writes
   * out every record it still holds. Rogue boards are not waited for: they can never be acknowledged.
   */
  async stop(drainLimitMs = 15_000): Promise<StopSummary> {
    const drained = new Set<string>();
    for (const board of this.#boards) board.vm.firmware.board.stop(() => drained.add(board.thing));
    const waitingFor = this.#boards.filter((board) => !board.rogue);
    const deadline = performance.now() + drainLimitMs;
    while (waitingFor.some((board) => !drained.has(board.thing)) && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, DRIVE_EVERY_MS));
    clearInterval(this.#driver);
    await this.#core.stop();
    const lake = this.#core.lake!;
    // One last curation, so the curated lake holds everything the raw lake does.
    await this.#pipeline.stop();
    await this.#pipeline.round();
    await this.#report.stop();
    const curated = await this.#curatedCounts();
    return {
      boards: this.#boards.map((board) => {
        const taken = board.rogue ? { readings: board.vm.firmware.board.sequence, boots: 1, lostBeforeClock: new Set() } : readingsTaken(board.serialLog);
        return {
          thing: board.thing,
          readings: taken.readings,
          boots: taken.boots,
          lostOnBoard: taken.lostBeforeClock.size,
          drained: drained.has(board.thing),
          rogue: board.rogue,
          led: board.status.led,
          curated: curated.get(board.thing) ?? 0,
        };
      }),
      lakeRecords: lake.records,
      lakeReadings: this.#pipeline.figures.records,
      lakeObjects: lake.objects,
      pipeline: this.#pipeline.figures,
    };
  }

  /** Distinct readings (boot, seq) of each thing over all its boots in the curated lake, counted as an operator would with aqm query. */
  async #curatedCounts(): Promise<Map<string, number>> {
    const lake = await LakeQuery.open(this.#lakeDir);
    try {
      const result = await lake.run("SELECT thing, count(DISTINCT (boot, seq)) AS readings FROM telemetry GROUP BY thing");
      return new Map(result.rows.map((row) => [String(row[0]), Number(row[1])]));
    } catch {
      // No curated file yet (a run too short for one reading): nothing is curated.
      return new Map();
    } finally {
      lake.close();
    }
  }

  /** Moves each board's clock on by the wall time that has passed since its last turn. */
  #drive(): void {
    for (const board of this.#boards) {
      const now = performance.now();
      const elapsed = Math.floor(now - board.lastDrive);
      if (elapsed <= 0) continue;
      board.lastDrive += elapsed;
      board.vm.advance(elapsed);
    }
  }
}

/** What an operator is told of a core event; undefined for the routine ones. */
function noticeOf(event: IotCoreEvent): string | undefined {
  switch (event.kind) {
    case "undelivered":
      return event.recorded
        ? `rule ${event.rule} could not deliver a message from ${event.thing} on ${event.topic} to the lake (recorded under errors/): ${event.detail}`
        : `rule ${event.rule} could not record the error for a message from ${event.thing} on ${event.topic}: ${event.detail}`;
    case "refused":
      return `IoT Core refused ${event.thing ?? "a client"}: ${event.reason} (${event.detail})`;
    case "closed-before-connect":
      return `a client closed before CONNECT: ${event.detail}`;
    case "replayed":
      return `IoT Core replayed ${event.messages} message${event.messages === 1 ? "" : "s"} acknowledged before a crash and not yet in the lake`;
    default:
      return undefined;
  }
}

/** The manifest's 5 s read interval where it divides the sampling interval; otherwise one read per reading. */
function readIntervalFor(sampleIntervalMs: number): number {
  return sampleIntervalMs % 5_000 === 0 ? 5_000 : sampleIntervalMs;
}
