import { parseArgs } from "node:util";

export interface MainJobOptions {
  readonly boards: number;
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
}

export const ROGUE_KINDS = ["other-ca", "expired"] as const;
export type RogueKind = (typeof ROGUE_KINDS)[number];

export const MAIN_JOB_HELP = `aqm local twin: simulated boards → local IoT Core (127.0.0.1, MQTT over TLS with client certificates) → local data lake

Usage: npm start -- [options]

Options:
  --boards N         how many simulated boards to run (1–50, default 3)
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
  --no-live          print a status line every few seconds instead of redrawing a table
  --help             show this text

The lake holds newline-delimited JSON under DIR/lake/raw/YYYY/MM/DD/HH/ (UTC), the key layout
of Kinesis Data Firehose. Ctrl-C stops cleanly: the boards send what they have buffered, then the
lake writes out everything it holds.`;

export class UsageError extends Error {}

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
        interval: { type: "string" },
        state: { type: "string" },
        port: { type: "string" },
        duration: { type: "string" },
        "no-live": { type: "boolean" },
        "rogue-board": { type: "string", multiple: true },
        replay: { type: "string" },
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
  return {
    boards: whole("boards", v.boards, 3, 1, 50),
    intervalMs: whole("interval", v.interval, 5, 1, 3600) * 1000,
    stateDir: v.state ?? "state",
    port: whole("port", v.port, 8883, 0, 65535),
    durationMs: duration,
    live: isTty && !v["no-live"],
    rogueBoards,
    replayFile: v.replay,
  };
}
