import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { UsageError } from "../field/cli/CommandArgs.ts";

export interface MainJobOptions {
  readonly boards: number;
  /** Boards power up spread evenly over this window (ms), as a fleet does when the power comes back. */
  readonly powerUpWindowMs: number;
  /** Worker threads the boards run in, beside the IoT Core and the lake on the main thread; 0 runs them on the main thread. */
  readonly workers: number;
  readonly intervalMs: number;
  readonly stateDir: string;
  readonly port: number;
  /** Stop by itself after this long (ms); undefined runs until Ctrl-C. */
  readonly durationMs: number | undefined;
  /** Redraw the board table in place (a terminal), or print a status line now and then (a log file, CI). */
  readonly live: boolean;
  /** Extra boards whose certificate the IoT Core must refuse, to see what a technician sees then. */
  readonly rogueBoards: readonly RogueKind[];
  /** A Beijing multi-site station CSV the boards breathe instead of synthetic air. */
  readonly replayFile: string | undefined;
  /** How often the raw lake is curated into Parquet. */
  readonly etlEveryMs: number;
  /** How often boards' anomaly thresholds are refitted and sent to their shadows; 0 never. */
  readonly trainEveryMs: number;
  /** Port of the report page on 127.0.0.1; 0 picks a free one. */
  readonly reportPort: number;
}

/** Past this the machine, not the twin, is the limit: npm run bench:fleet says how far one goes. */
export const MAX_BOARDS = 5_000;
/** The default power-up window: 20 boards a second, so a thousand boards take 50 s and three boards 150 ms. */
const POWER_UP_MS_PER_BOARD = 50;
/** The main thread keeps a core for the IoT Core's TLS and the lake; the boards get the others. */
const DEFAULT_WORKERS = Math.max(1, availableParallelism() - 1);

export const ROGUE_KINDS = ["other-ca", "expired"] as const;
export type RogueKind = (typeof ROGUE_KINDS)[number];

export const MAIN_JOB_HELP = `aqm local twin: simulated boards → local IoT Core (127.0.0.1, MQTT over TLS with client certificates) → local data lake

Usage: npm start -- [options]

Options:
  --boards N         how many simulated boards to run (1–${MAX_BOARDS}, default 3)
  --power-up S       the boards power up spread evenly over S seconds (0–3600), as a fleet does
                     when the power comes back (default: one board every ${POWER_UP_MS_PER_BOARD} ms)
  --workers N        run the boards in N worker threads (0–64), the IoT Core and the lake staying on
                     the main thread; 0 runs everything on one thread (default: one fewer than the
                     machine's cores, at least 1)
  --interval S       each board's sampling interval in seconds (1–3600, default 5)
  --state DIR        state folder: the local CA and board identities (kept between runs),
                     each board's preferences, and the lake under DIR/lake (default ./state)
  --port N           port of the local IoT Core on 127.0.0.1 (default 8883, as AWS IoT Core;
                     0 picks a free one)
  --duration S       stop by itself after S seconds (default: run until Ctrl-C)
  --rogue-board K    also run a board whose certificate the IoT Core must refuse: K is "other-ca"
                     (signed by a CA it does not trust) or "expired"; repeatable
  --replay FILE      the boards breathe hourly station records replayed from FILE (a Beijing
                     multi-site CSV, e.g. test/fixtures/air-quality/beijing-aotizhongxin-2013-03.csv),
                     each board a few hours apart, instead of synthetic air
  --etl-every S      curate the raw lake into Parquet every S seconds (1–86400, default 60), as
                     the cloud's Glue job does; aqm query reads the result
  --train-every S    refit each board's anomaly threshold on its curated readings every S seconds
                     and send it to the board's Device Shadow (0 never, default 3600); a board
                     needs a day of readings after its scorer's warm-up before it is trained
  --report-port N    serve the report page (time series, anomalies, forecasts) on 127.0.0.1:N
                     (default 8080; 0 picks a free one)
  --no-live          print a status line every few seconds instead of redrawing a table
  --help             show this text

The raw lake holds newline-delimited JSON under DIR/lake/raw/year=YYYY/month=MM/day=DD/hour=HH/
(UTC), the cloud's Firehose prefix; the curated lake Parquet under DIR/lake/curated/. Each board's
Device Shadow is kept in DIR/shadows/. Ctrl-C stops cleanly: the boards send what they have
buffered, the lake writes out everything it holds and curates it once more.`;

function whole(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

/** Parses the command line; `undefined` means --help was asked for. */
export function parseMainJobOptions(args: readonly string[], isTty: boolean): MainJobOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        boards: { type: "string" },
        "power-up": { type: "string" },
        workers: { type: "string" },
        interval: { type: "string" },
        state: { type: "string" },
        port: { type: "string" },
        duration: { type: "string" },
        "no-live": { type: "boolean" },
        "rogue-board": { type: "string", multiple: true },
        replay: { type: "string" },
        "etl-every": { type: "string" },
        "train-every": { type: "string" },
        "report-port": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return undefined;
  const rogueBoards = (v["rogue-board"] ?? []).map((kind) => {
    if (!(ROGUE_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--rogue-board must be one of ${ROGUE_KINDS.join(", ")}, not "${kind}"`);
    return kind as RogueKind;
  });
  const duration = v.duration === undefined ? undefined : whole("duration", v.duration, 0, 1, 86_400) * 1000;
  const boards = whole("boards", v.boards, 3, 1, MAX_BOARDS);
  const powerUp = v["power-up"] === undefined ? undefined : whole("power-up", v["power-up"], 0, 0, 3600) * 1000;
  return {
    boards,
    powerUpWindowMs: powerUp ?? boards * POWER_UP_MS_PER_BOARD,
    workers: whole("workers", v.workers, DEFAULT_WORKERS, 0, 64),
    intervalMs: whole("interval", v.interval, 5, 1, 3600) * 1000,
    stateDir: v.state ?? "state",
    port: whole("port", v.port, 8883, 0, 65535),
    durationMs: duration,
    live: isTty && !v["no-live"],
    rogueBoards,
    replayFile: v.replay,
    etlEveryMs: whole("etl-every", v["etl-every"], 60, 1, 86_400) * 1000,
    trainEveryMs: whole("train-every", v["train-every"], 3600, 0, 7 * 86_400) * 1000,
    reportPort: whole("report-port", v["report-port"], 8080, 0, 65535),
  };
}
