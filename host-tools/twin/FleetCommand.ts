import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { CommandArgs, UsageError } from "../field/cli/CommandArgs.ts";
import { EXIT, failed, type CliCommand, type CommandOutput, type ExitCode } from "../field/cli/CliCommand.ts";
import type { StoredIdentity } from "../board-sim/board/SimulatedBoard.ts";
import { describeFleetCost, estimateFleetCost } from "./FleetCost.ts";
import { ReadingRate } from "./FleetSummary.ts";
import { FleetWorkers } from "./FleetWorkers.ts";
import { SimulatedFleet, type FleetMember, type RunningFleet } from "./SimulatedFleet.ts";
import { renderStatusLine } from "./TerminalView.ts";

/** Nothing else runs here (the IoT Core is AWS's), so the boards get every core. */
const DEFAULT_WORKERS = availableParallelism();

const USAGE = `  aqm fleet --endpoint HOST --boards N --duration S [--interval S] [--power-up S] [--workers N] [--state DIR] [--port N] [--address ADDR] [--yes]

  A load test of a deployed backend: N simulated boards, each running the firmware bundle, connect
  to the IoT Core endpoint HOST (the account's iot:Data-ATS endpoint, as aqm provision aws prints
  it) with the identities aqm provision aws kept in DIR/things/NAME/aws/ (the first N things that
  have one, by name), sample every S seconds for --duration S seconds, then send what they hold
  and stop. Each board keeps its preferences, unsent readings and serial log in DIR/fleet/NAME/.

  The IoT Core cost of the run is estimated and printed first; the run starts only with --yes.

  --endpoint HOST  the IoT Core endpoint: the name the boards ask for and check (required)
  --boards N       how many boards (1–5000, required)
  --duration S     how long they sample, in seconds (1–86400, required)
  --interval S     each board's sampling interval in seconds (1–3600, default 5, as npm start)
  --power-up S     the boards power up spread over S seconds (0–3600, default: one every 50 ms)
  --workers N      run the boards in N worker threads (0–64; 0 runs them on the main thread;
                   default ${DEFAULT_WORKERS}, one a core)
  --state DIR      where the identities are (default state)
  --port N         the endpoint's port (default 8883)
  --address ADDR   connect to ADDR instead of HOST's address (a test against a local IoT Core)
  --yes            run after printing the estimate; without it only the estimate is printed`;

/** How long the boards have to send what they queued once sampling stops. */
const DRAIN_LIMIT_MS = 60_000;
const STATUS_EVERY_MS = 10_000;
const POWER_UP_MS_PER_BOARD = 50;

interface FleetCommandOptions {
  readonly endpoint: string;
  readonly boards: number;
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly powerUpWindowMs: number;
  readonly workers: number;
  readonly stateDir: string;
  readonly port: number;
  readonly address: string | undefined;
  readonly yes: boolean;
}

function parseFleetArgs(args: readonly string[]): FleetCommandOptions {
  const walk = new CommandArgs(args);
  const whole = (option: string, min: number, max: number): number =>
    walk.numberValue(option, `a whole number from ${min} to ${max}`, (n) => Number.isInteger(n) && n >= min && n <= max);
  let endpoint: string | undefined;
  let boards: number | undefined;
  let duration: number | undefined;
  let interval = 5;
  let powerUp: number | undefined;
  let workers = DEFAULT_WORKERS;
  let stateDir = "state";
  let port = 8883;
  let address: string | undefined;
  let yes = false;
  for (const arg of walk) {
    if (arg === "--endpoint") endpoint = walk.optionValue(arg);
    else if (arg === "--boards") boards = whole(arg, 1, 5000);
    else if (arg === "--duration") duration = whole(arg, 1, 86_400);
    else if (arg === "--interval") interval = whole(arg, 1, 3600);
    else if (arg === "--power-up") powerUp = whole(arg, 0, 3600);
    else if (arg === "--workers") workers = whole(arg, 0, 64);
    else if (arg === "--state") stateDir = walk.optionValue(arg);
    else if (arg === "--port") port = whole(arg, 1, 65535);
    else if (arg === "--address") address = walk.optionValue(arg);
    else if (arg === "--yes") yes = true;
    else throw new UsageError(`unknown option ${arg}`);
  }
  // A load test against a real account is bounded by count and by time, never open-ended.
  if (endpoint === undefined) throw new UsageError("--endpoint HOST is required: the IoT Core endpoint the boards connect to");
  if (boards === undefined) throw new UsageError("--boards N is required: how many boards the load test runs");
  if (duration === undefined) throw new UsageError("--duration S is required: how long the load test runs");
  return {
    endpoint,
    boards,
    durationMs: duration * 1000,
    intervalMs: interval * 1000,
    powerUpWindowMs: powerUp === undefined ? boards * POWER_UP_MS_PER_BOARD : powerUp * 1000,
    workers,
    stateDir,
    port,
    address,
    yes,
  };
}

export class FleetIdentityError extends Error {}

const IDENTITY_FILES = ["ca.pem", "cert.pem", "key.pem"] as const;

/** The identities aqm provision aws kept under `stateDir/things/NAME/aws/`, by thing name; each checked as the board will check it. */
export function awsFleetIdentities(stateDir: string, count: number): { thing: string; identity: StoredIdentity }[] {
  const thingsDir = path.join(stateDir, "things");
  const things = existsSync(thingsDir)
    ? readdirSync(thingsDir)
        .filter((thing) => existsSync(path.join(thingsDir, thing, "aws")))
        .sort()
    : [];
  if (things.length < count)
    throw new FleetIdentityError(
      `${count} boards need ${count} identities from aqm provision aws, but ${thingsDir} holds ${things.length} (things/NAME/aws/ with ${IDENTITY_FILES.join(", ")})`,
    );
  return things.slice(0, count).map((thing) => {
    const dir = path.join(thingsDir, thing, "aws");
    const read = (file: (typeof IDENTITY_FILES)[number]): string => {
      try {
        return readFileSync(path.join(dir, file), "utf8");
      } catch (error) {
        throw new FleetIdentityError(`${path.join(dir, file)}: ${(error as Error).message}`);
      }
    };
    try {
      const ca = new X509Certificate(read("ca.pem"));
      const certificate = new X509Certificate(read("cert.pem"));
      const key = createPrivateKey(read("key.pem"));
      if (!certificate.checkPrivateKey(key)) throw new FleetIdentityError(`${dir}: key.pem does not match cert.pem`);
      return {
        thing,
        identity: {
          ca: new Uint8Array(ca.raw),
          certificate: new Uint8Array(certificate.raw),
          key: new Uint8Array(key.export({ type: "pkcs8", format: "der" })),
        },
      };
    } catch (error) {
      throw error instanceof FleetIdentityError ? error : new FleetIdentityError(`${dir}: ${(error as Error).message}`);
    }
  });
}

async function runFleet(args: readonly string[], io: CommandOutput): Promise<ExitCode> {
  const options = parseFleetArgs(args);
  let identities;
  try {
    identities = awsFleetIdentities(options.stateDir, options.boards);
  } catch (error) {
    if (!(error instanceof FleetIdentityError)) throw error;
    return failed(io, "aqm fleet", error.message);
  }
  const run = { boards: options.boards, durationMs: options.durationMs, sampleIntervalMs: options.intervalMs };
  io.stdout(`${describeFleetCost(run, estimateFleetCost(run))}\n`);
  if (!options.yes) {
    io.stdout("not started: run again with --yes to start the load test\n");
    return EXIT.done;
  }
  const members: FleetMember[] = identities.map(({ thing, identity }, i) => ({ thing, identity, seed: i + 1, rogue: false }));
  io.stdout(
    `starting ${options.boards} boards against ${options.endpoint}:${options.port}${options.address ? ` (at ${options.address})` : ""}, powering up over ${options.powerUpWindowMs / 1000} s, for ${options.durationMs / 1000} s\n`,
  );
  const fleetOptions = {
    members,
    boardsDir: path.join(options.stateDir, "fleet"),
    endpoint: { name: options.endpoint, port: options.port, ...(options.address === undefined ? {} : { address: options.address }) },
    sampleIntervalMs: options.intervalMs,
    powerUpWindowMs: options.powerUpWindowMs,
    air: { kind: "synthetic" },
  } as const;
  const fleet: RunningFleet =
    options.workers === 0
      ? new SimulatedFleet(fleetOptions)
      : new FleetWorkers(fleetOptions, options.workers, (message) => io.stderr(`aqm fleet: ${message}\n`));
  const rate = new ReadingRate();
  const status = (): void => {
    const perMinute = rate.sample(
      fleet.statuses.reduce((sum, s) => sum + s.readings, 0),
      performance.now(),
    );
    io.stdout(`${new Date().toISOString()} ${renderStatusLine(fleet.statuses, undefined, perMinute)}\n`);
  };
  const ticker = setInterval(status, STATUS_EVERY_MS);
  await new Promise((resolve) => setTimeout(resolve, options.durationMs));
  clearInterval(ticker);
  status();
  io.stdout("stopping: the boards send what they hold…\n");
  const outcomes = await fleet.stop(DRAIN_LIMIT_MS);
  const taken = outcomes.reduce((sum, o) => sum + o.readings, 0);
  const undrained = outcomes.filter((o) => o.poweredUp && !o.drained);
  const unpowered = outcomes.filter((o) => !o.poweredUp).length;
  for (const o of undrained)
    io.stdout(
      `${o.thing}: ${o.readings} readings, NOT all acknowledged (LED ${o.led}); they stay in its flash under ${path.join(options.stateDir, "fleet", o.thing)}\n`,
    );
  io.stdout(
    `fleet: ${taken} readings taken by ${outcomes.length - unpowered} boards; ${outcomes.length - unpowered - undrained.length} boards had every reading acknowledged${unpowered > 0 ? `; ${unpowered} never powered up` : ""}\n`,
  );
  return undrained.length === 0 ? EXIT.done : EXIT.failed;
}

export const FLEET_COMMAND: CliCommand<CommandOutput> = {
  name: "fleet",
  summary: "load-test a deployed IoT Core: a simulated fleet with identities from aqm provision aws, cost estimated first",
  usage: USAGE,
  usageErrorPrefix: "aqm fleet",
  run: runFleet,
};
