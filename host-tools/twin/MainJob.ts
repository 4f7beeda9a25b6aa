import type { EventLoopUtilization } from "node:perf_hooks";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { LocalCa, type IssuedCertificate } from "../local-cloud/iot-core/LocalCa.ts";
import { LakeQuery } from "../local-cloud/lake/LakeQuery.ts";
import { ReportServer } from "../analysis/report/ReportServer.ts";
import { LakeLoop, type LakeLoopFigures } from "./LakeLoop.ts";
import { LocalIotCore, type IotCoreEvent } from "../local-cloud/iot-core/LocalIotCore.ts";
import { acceptedLogFile } from "../local-cloud/iot-core/AcceptedLog.ts";
import { ThingRegistry } from "../local-cloud/iot-core/ThingRegistry.ts";
import { readingsTaken } from "./BoardReadings.ts";
import { parseStationCsv, type StationRecord } from "../board-sim/scenarios/AirReplay.ts";
import type { BoardLogState } from "./BoardLogState.ts";
import type { FleetDriveFigures } from "./FleetDrive.ts";
import { SimulatedFleet, type FleetMember, type RunningFleet, type SimulatedFleetOptions } from "./SimulatedFleet.ts";
import { FleetWorkers } from "./FleetWorkers.ts";
import type { MainJobOptions } from "./MainJobOptions.ts";
import type { LakeFigures } from "./TerminalView.ts";

const DAY_MS = 86_400_000;
/** Identities issued at once at start-up: enough to keep libuv's four pool threads (and so every core of a small machine) busy. */
const IDENTITIES_AT_ONCE = 4;

function readStationFile(file: string): StationRecord[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`--replay ${file}: ${(error as Error).message}`);
  }
  return parseStationCsv(text, file);
}

/**
 * Connections the core's listen queue holds: one per board powering up and one more for each
 * board retrying at the same moment. Node's default of 511 overflowed with 1,000 boards, and the
 * boards refused by the kernel waited out a long backoff.
 */
function listenBacklogFor(boards: number): number {
  return Math.max(511, 2 * boards);
}

export interface StopSummary {
  /**
   * Over every boot of the board on this state folder: `readings` it took (its own serial log),
   * `curated` of them in the curated lake after the last curation, and `boots` it went through.
   */
  readonly boards: {
    thing: string;
    poweredUp: boolean;
    readings: number;
    boots: number;
    drained: boolean;
    rogue: boolean;
    led: string;
    curated: number;
  }[];
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
  readonly #fleet: RunningFleet;
  readonly #boardsDir: string;
  readonly #lakeDir: string;
  readonly #pipeline: LakeLoop;
  readonly #report: ReportServer;
  /** The port the local IoT Core listens on (the one asked for, or the free one picked for 0). */
  readonly port: number;
  /** Where the report page is served. */
  readonly reportUrl: string;

  private constructor(parts: {
    core: LocalIotCore;
    fleet: RunningFleet;
    boardsDir: string;
    lakeDir: string;
    port: number;
    pipeline: LakeLoop;
    report: ReportServer;
    reportUrl: string;
  }) {
    this.port = parts.port;
    this.#core = parts.core;
    this.#fleet = parts.fleet;
    this.#boardsDir = parts.boardsDir;
    this.#lakeDir = parts.lakeDir;
    this.#pipeline = parts.pipeline;
    this.#report = parts.report;
    this.reportUrl = parts.reportUrl;
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
      host: "127.0.0.1",
      port: options.port,
      caPem: ca.certPem,
      certPem: server.certPem,
      keyPem: server.keyPem,
      shadowStateDir: stateDir,
      lake: { dir: lakeDir, acceptedLog: acceptedLogFile(stateDir) },
      listenBacklog: listenBacklogFor(options.boards + options.rogueBoards.length),
    });
    core.onEvent((event) => {
      const notice = noticeOf(event);
      if (notice) onNotice(notice);
    });
    const { port } = await core.start();

    // Issued once and kept in the state folder: the next run's boards sign in with the same identities.
    const members: FleetMember[] = [];
    const stored = (identity: IssuedCertificate) => ({ ca: ca.certDer, certificate: identity.certDer, key: identity.keyDer });
    // Key generation runs on libuv's thread pool, so a few at a time use every core: a thousand new identities take half as long on two.
    const things = Array.from({ length: options.boards }, (_, i) => `aqm-sim-${String(i + 1).padStart(3, "0")}`);
    const identities: IssuedCertificate[] = new Array(things.length);
    let next = 0;
    const issuer = async (): Promise<void> => {
      for (let i = next++; i < things.length; i = next++) identities[i] = await ca.deviceIdentity(stateDir, things[i]!);
    };
    await Promise.all(Array.from({ length: IDENTITIES_AT_ONCE }, issuer));
    things.forEach((thing, i) => {
      registry.provision(thing, identities[i]!.certPem);
      members.push({ thing, seed: i + 1, identity: stored(identities[i]!), rogue: false });
    });
    for (const kind of options.rogueBoards) {
      const thing = `aqm-rogue-${kind}`;
      const identity =
        kind === "expired"
          ? await ca.issueDeviceCertificate(thing, { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) })
          : await (await LocalCa.createEphemeral("a CA the IoT Core does not trust")).issueDeviceCertificate(thing);
      members.push({ thing, seed: 1000 + members.length, identity: stored(identity), rogue: true });
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
    const fleetOptions: SimulatedFleetOptions = {
      members,
      boardsDir: path.join(stateDir, "boards"),
      // The board asks for "localhost" (its SNI and the name it checks); connect where the core listens.
      endpoint: { name: "localhost", address: "127.0.0.1", port },
      sampleIntervalMs: options.intervalMs,
      powerUpWindowMs: options.powerUpWindowMs,
      air: stationRecords ? { kind: "replay", records: stationRecords } : { kind: "synthetic" },
    };
    const fleet = options.workers === 0 ? new SimulatedFleet(fleetOptions) : new FleetWorkers(fleetOptions, options.workers, onNotice);
    return new MainJob({ core, fleet, boardsDir: fleetOptions.boardsDir, lakeDir, port, pipeline, report, reportUrl });
  }

  get statuses(): readonly BoardLogState[] {
    return this.#fleet.statuses;
  }

  /** How many boards have powered up so far. */
  get poweredUp(): number {
    return this.#fleet.poweredUp;
  }

  /** Resolves once every board has powered up. */
  get allPoweredUp(): Promise<void> {
    return this.#fleet.allPoweredUp;
  }

  get driveFigures(): FleetDriveFigures {
    return this.#fleet.driveFigures;
  }

  get boardLoops(): readonly EventLoopUtilization[] {
    return this.#fleet.boardLoops;
  }

  get boardHeaps(): readonly number[] {
    return this.#fleet.boardHeaps;
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
    const outcomes = await this.#fleet.stop(drainLimitMs);
    await this.#core.stop();
    const lake = this.#core.lake!;
    // One last curation, so the curated lake holds everything the raw lake does.
    await this.#pipeline.stop();
    await this.#pipeline.round();
    await this.#report.stop();
    const curated = await this.#curatedCounts();
    return {
      boards: outcomes.map((outcome) => {
        const taken = outcome.rogue ? { readings: outcome.readings, boots: 1 } : readingsTaken(path.join(this.#boardsDir, outcome.thing, "serial.log"));
        return {
          ...outcome,
          readings: taken.readings,
          boots: taken.boots,
          curated: curated.get(outcome.thing) ?? 0,
        };
      }),
      lakeRecords: lake.records,
      lakeReadings: this.#pipeline.figures.records,
      lakeObjects: lake.objects,
      pipeline: this.#pipeline.figures,
    };
  }

  /** Distinct readings of each thing over all its boots in the curated lake, counted as an operator would with aqm query. */
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
