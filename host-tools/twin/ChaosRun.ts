import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readingsOf } from "../../firmware/telemetry/TelemetryBatch.ts";
import { mulberry32 } from "../analysis/scorer/Mulberry32.ts";
import { LakeQuery } from "../local-cloud/lake/LakeQuery.ts";
import { readingsTaken } from "./BoardReadings.ts";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "cli.ts");
/** Kills drawn during the start fall in its first this many ms. */
const STARTING_MS = 2500;

export interface ChaosRunOptions {
  readonly stateDir: string;
  readonly boards: number;
  readonly kills: number;
  readonly seed: number;
  /** Each run is killed this long after its core listens, drawn uniformly (one in five instead dies at a moment of its start). */
  readonly killAfterMs: { readonly min: number; readonly max: number };
  /** The clean run at the end: boards drain their queues and the lake is curated. */
  readonly finalRunS: number;
  readonly onRun?: (run: number, killAfterMs: number | undefined) => void;
}

export interface ChaosOutcome {
  /** Every reading every board took, by its own serial log. */
  readonly taken: number;
  /** Distinct (thing, boot, seq) in the curated lake. */
  readonly curated: number;
  /** Readings a board took that are not in the curated lake, `<thing>/<boot>/<seq>`. */
  readonly missing: readonly string[];
  /** Readings taken on the unset clock in a boot killed before its clock was set (see BoardReadings): the case a board's RAM used to lose. */
  readonly restartedBeforeClock: number;
  /** Of those, how many are not in the curated lake. */
  readonly lostBeforeClock: number;
  /** Readings the curated lake holds more than once. */
  readonly repeated: number;
  /** Copies the curation removed: raw records minus distinct readings. */
  readonly duplicatesRemoved: number;
  readonly kills: number;
  readonly finalExitCode: number | null;
  /** The clean run's stop summary, a line a board: what an operator reads after the crashes. */
  readonly finalSummary: readonly string[];
}

/** Runs the twin's CLI (the real TLS core, simulated boards) on one state folder: `kills` runs each SIGKILLed at a seeded moment, then one clean run. */
export async function chaosRun(options: ChaosRunOptions): Promise<ChaosOutcome> {
  const random = mulberry32(options.seed);
  const args = ["--boards", String(options.boards), "--interval", "1", "--state", options.stateDir, "--port", "0", "--report-port", "0"];
  // Boards in the main thread: a worker's start-up would eat the short runs between kills, which are about durability, not the fleet.
  const common = [...args, "--etl-every", "2", "--train-every", "0", "--no-live", "--workers", "0"];
  for (let run = 0; run < options.kills; run++) {
    // One run in five dies while the twin is still starting (CA, registry, boards' flash); the others while boards publish.
    const duringStart = random() < 0.2;
    const after = Math.round(duringStart ? random() * STARTING_MS : options.killAfterMs.min + random() * (options.killAfterMs.max - options.killAfterMs.min));
    options.onRun?.(run, after);
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...common], { stdio: ["ignore", "pipe", "ignore"] });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (!duringStart) {
      let out = "";
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("local IoT Core listening")) resolve();
        });
        void exited.then(() => resolve());
      });
    }
    child.stdout.resume();
    await new Promise((resolve) => setTimeout(resolve, after));
    child.kill("SIGKILL");
    await exited;
  }
  options.onRun?.(options.kills, undefined);
  const final = spawn(process.execPath, ["--import", "tsx", CLI, ...common, "--duration", String(options.finalRunS)], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  final.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const finalExitCode = await new Promise<number | null>((resolve) => final.once("close", (code) => resolve(code)));
  const finalSummary = output.split("\n").filter((line) => /^aqm-\S+: \d+ readings/.test(line));
  return { ...(await compare(options.stateDir)), kills: options.kills, finalExitCode, finalSummary };
}

/** The boards' own record against the curated lake. */
async function compare(stateDir: string): Promise<Omit<ChaosOutcome, "kills" | "finalExitCode" | "finalSummary">> {
  const taken = new Set<string>();
  const restartedBeforeClock = new Set<string>();
  const boardsDir = path.join(stateDir, "boards");
  for (const thing of readdirSync(boardsDir)) {
    const readings = readingsTaken(path.join(boardsDir, thing, "serial.log"));
    for (const key of readings.keys) taken.add(`${thing}/${key}`);
    for (const key of readings.restartedBeforeClock) restartedBeforeClock.add(`${thing}/${key}`);
  }
  const lake = await LakeQuery.open(path.join(stateDir, "lake"));
  let rows: readonly (readonly unknown[])[];
  try {
    rows = (await lake.run("SELECT thing, boot, seq, count(*) AS copies FROM telemetry GROUP BY thing, boot, seq")).rows;
  } finally {
    lake.close();
  }
  const curated = new Map(rows.map((row) => [`${String(row[0])}/${String(row[1])}/${String(row[2])}`, Number(row[3])]));
  const rawRecords = countRaw(path.join(stateDir, "lake"));
  return {
    taken: taken.size,
    curated: curated.size,
    missing: [...taken].filter((key) => !curated.has(key)).sort(),
    restartedBeforeClock: restartedBeforeClock.size,
    lostBeforeClock: [...restartedBeforeClock].filter((key) => !curated.has(key)).length,
    repeated: [...curated.values()].filter((copies) => copies > 1).length,
    duplicatesRemoved: rawRecords - curated.size,
  };
}

/** Readings in the raw lake, copies included: each Firehose record is a reading or a batch of them. */
function countRaw(lakeDir: string): number {
  const raw = path.join(lakeDir, "raw");
  if (!existsSync(raw)) return 0;
  return readdirSync(raw, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
    .flatMap((entry) => readFileSync(path.join(entry.parentPath, entry.name), "utf8").split("\n").filter(Boolean))
    .reduce((sum, line) => sum + readingsOf(JSON.parse(line)).length, 0);
}
