import type { BoardLogState } from "./BoardLogState.ts";

/**
 * LED states that mean a board needs a person, worst first: refused identities, then sensors,
 * then a buffer filling up, then the network, then an anomaly in the air it measures. The
 * states a healthy board passes through (booting, joining Wi-Fi, connecting, online) are not here.
 */
const NEEDS_ATTENTION = [
  "tls-rejected",
  "not-authorised",
  "not-provisioned",
  "sensor-fault",
  "buffer-nearly-full",
  "broker-unreachable",
  "network-down",
  "anomaly",
] as const;

/** What the fleet looks like now, for the terminal view and the status line. */
export interface FleetSummary {
  readonly boards: number;
  /** Boards per LED state, most common first. */
  readonly leds: readonly (readonly [string, number])[];
  /** Boards per connection state, most common first. */
  readonly connections: readonly (readonly [string, number])[];
  /** Readings the boards logged (SM300) since they powered up. */
  readonly readings: number;
  /** Boards that need a person, worst first. */
  readonly attention: readonly BoardLogState[];
}

function counts(values: readonly string[]): [string, number][] {
  const tally = new Map<string, number>();
  for (const value of values) tally.set(value, (tally.get(value) ?? 0) + 1);
  return [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** How bad a board's state is: its LED's place in NEEDS_ATTENTION, or after all of them for a board that lost readings or wrote lines no parser reads; undefined for a healthy board. */
function severity(board: BoardLogState): number | undefined {
  const rank = (NEEDS_ATTENTION as readonly string[]).indexOf(board.led);
  if (rank >= 0) return rank;
  return board.dropped > 0 || board.unparsedLines > 0 ? NEEDS_ATTENTION.length : undefined;
}

export function summariseFleet(boards: readonly BoardLogState[]): FleetSummary {
  const attention = boards
    .map((board) => ({ board, rank: severity(board) }))
    .filter((entry): entry is { board: BoardLogState; rank: number } => entry.rank !== undefined)
    .sort((a, b) => a.rank - b.rank || b.board.dropped - a.board.dropped || a.board.thing.localeCompare(b.board.thing))
    .map((entry) => entry.board);
  return {
    boards: boards.length,
    leds: counts(boards.map((board) => board.led)),
    connections: counts(boards.map((board) => board.connection)),
    readings: boards.reduce((sum, board) => sum + board.readings, 0),
    attention,
  };
}

/** Readings per minute over the last minute, from the running total sampled now and then. */
export class ReadingRate {
  readonly #windowMs: number;
  #samples: { at: number; total: number }[] = [];

  constructor(windowMs = 60_000) {
    this.#windowMs = windowMs;
  }

  /** Adds a sample and returns the rate over the window; undefined until two samples are apart in time. */
  sample(total: number, at: number): number | undefined {
    this.#samples.push({ at, total });
    while (this.#samples.length > 2 && at - this.#samples[1]!.at >= this.#windowMs) this.#samples.shift();
    const first = this.#samples[0]!;
    return at > first.at ? ((total - first.total) * 60_000) / (at - first.at) : undefined;
  }
}
