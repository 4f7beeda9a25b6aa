import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { LocalCa, type IssuedCertificate } from "../iot-core/LocalCa.ts";
import { LocalFirehose } from "../iot-core/LocalFirehose.ts";
import { LocalIotCore } from "../iot-core/LocalIotCore.ts";
import { parseLogLine } from "../monitor/LogLineParser.ts";
import { TlsMqttConnection } from "../platform/node/TlsMqttConnection.ts";
import { VmBoard } from "../platform/VmBoard.ts";
import { PreferenceStore } from "../sim/PreferenceStore.ts";
import { AirReplay, parseStationCsv, type StationRecord } from "../sim/scenarios/AirReplay.ts";
import { SyntheticAir } from "../sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../sim/SimulatedBoard.ts";
import { BoardStatus } from "./BoardStatus.ts";
import type { MainJobOptions } from "./MainJobOptions.ts";
import type { LakeFigures } from "./TerminalView.ts";

/** How often board clocks catch up with wall time: short enough that MQTT answers reach the firmware promptly. */
const DRIVE_EVERY_MS = 50;
const TELEMETRY_TOPIC = /^dt\/aqm\/([^/]+)\/telemetry$/;
const DAY_MS = 86_400_000;
/** Replaying boards start this far apart in the records, so each breathes different air. */
const REPLAY_OFFSET_MS = 5 * 3_600_000;

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
  readonly status: BoardStatus;
  /** A rogue board: the IoT Core must refuse it, so nothing it queues can ever be acknowledged. */
  readonly rogue: boolean;
  lastDrive: number;
}

export interface StopSummary {
  readonly boards: { thing: string; readings: number; drained: boolean; rogue: boolean; led: string }[];
  readonly lakeRecords: number;
  readonly lakeObjects: number;
}

/**
 * The local twin: a local IoT Core on 127.0.0.1 with mutual TLS, simulated boards running the
 * firmware bundle (each with its own certificate from the local CA), and a local Firehose that
 * writes the telemetry the broker receives into the lake.
 */
export class MainJob {
  readonly #core: LocalIotCore;
  readonly #firehose: LocalFirehose;
  readonly #boards: RunningBoard[];
  readonly #lakeDir: string;
  readonly #driver: NodeJS.Timeout;
  /** The port the local IoT Core listens on (the one asked for, or the free one picked for 0). */
  readonly port: number;
  #messages = 0;

  private constructor(core: LocalIotCore, firehose: LocalFirehose, boards: RunningBoard[], lakeDir: string, port: number) {
    this.port = port;
    this.#core = core;
    this.#firehose = firehose;
    this.#boards = boards;
    this.#lakeDir = lakeDir;
    this.#driver = setInterval(() => this.#drive(), DRIVE_EVERY_MS);
  }

  static async start(options: MainJobOptions, onNotice: (line: string) => void): Promise<MainJob> {
    const stationRecords = options.replayFile === undefined ? undefined : readStationFile(options.replayFile);
    const stateDir = path.resolve(options.stateDir);
    const lakeDir = path.join(stateDir, "lake");
    mkdirSync(lakeDir, { recursive: true });
    const ca = await LocalCa.openOrCreate(stateDir);
    const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
    const core = new LocalIotCore({ host: "127.0.0.1", port: options.port, caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem });
    const firehose = new LocalFirehose({ lakeDir, prefix: "raw/", streamName: "aqm-telemetry", bufferMs: 5_000 });
    let job: MainJob | undefined;
    core.onEvent((event) => {
      if (event.kind === "message" && TELEMETRY_TOPIC.test(event.topic)) {
        if (job) job.#messages++;
        try {
          firehose.put(event.payload);
        } catch (error) {
          onNotice(`lake refused a message from ${event.thing} on ${event.topic}: ${(error as Error).message}`);
        }
      } else if (event.kind === "refused") {
        onNotice(`IoT Core refused ${event.thing ?? "a client"}: ${event.reason} (${event.detail})`);
      }
    });
    const { port } = await core.start();

    const boards: RunningBoard[] = [];
    const launch = async (thing: string, seed: number, identity: IssuedCertificate, rogue: boolean): Promise<void> => {
      const boardDir = path.join(stateDir, "boards", thing);
      mkdirSync(boardDir, { recursive: true });
      const status = new BoardStatus(thing);
      const serialLog = path.join(boardDir, "serial.log");
      let partial = "";
      const air = stationRecords ? new AirReplay(stationRecords, { startAt: Date.now() - seed * REPLAY_OFFSET_MS }) : new SyntheticAir(seed);
      const { sim } = simulatedBoard({
        thing,
        epochAtBoot: Date.now(),
        identity: { ca: ca.certDer, certificate: identity.certDer, key: identity.keyDer },
        preferences: new PreferenceStore(rogue ? {} : { file: path.join(boardDir, "nvs.json") }),
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
      boards.push({ thing, vm: await VmBoard.boot(sim), status, rogue, lastDrive: performance.now() });
    };
    for (let i = 1; i <= options.boards; i++) {
      const thing = `aqm-sim-${String(i).padStart(3, "0")}`;
      await launch(thing, i, await ca.deviceIdentity(stateDir, thing), false);
    }
    for (const kind of options.rogueBoards) {
      const thing = `aqm-rogue-${kind}`;
      const identity =
        kind === "expired"
          ? await ca.issueDeviceCertificate(thing, { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) })
          : await (await LocalCa.createEphemeral("a CA the IoT Core does not trust")).issueDeviceCertificate(thing);
      await launch(thing, 1000 + boards.length, identity, true);
    }
    job = new MainJob(core, firehose, boards, lakeDir, port);
    return job;
  }

  get statuses(): readonly BoardStatus[] {
    return this.#boards.map((board) => board.status);
  }

  get lake(): LakeFigures {
    return { messages: this.#messages, records: this.#firehose.recordsWritten, objects: this.#firehose.objectsWritten, lakeDir: this.#lakeDir };
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
    while (waitingFor.some((board) => !drained.has(board.thing)) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, DRIVE_EVERY_MS));
    clearInterval(this.#driver);
    await this.#core.stop();
    await this.#firehose.close();
    return {
      boards: this.#boards.map((board) => ({ thing: board.thing, readings: board.vm.firmware.board.sequence, drained: drained.has(board.thing), rogue: board.rogue, led: board.status.led })),
      lakeRecords: this.#firehose.recordsWritten,
      lakeObjects: this.#firehose.objectsWritten,
    };
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

/** The manifest's 5 s read interval where it divides the sampling interval; otherwise one read per reading. */
function readIntervalFor(sampleIntervalMs: number): number {
  return sampleIntervalMs % 5_000 === 0 ? 5_000 : sampleIntervalMs;
}
