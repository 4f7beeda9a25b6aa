import type { BoardLogState } from "./BoardLogState.ts";
import { summariseFleet, type FleetSummary } from "./FleetSummary.ts";
import type { LakeLoopFigures } from "./LakeLoop.ts";

export interface LakeFigures {
  /** MQTT messages the local IoT Core received, shadow traffic included. */
  readonly messages: number;
  /** Telemetry messages the local Firehose wrote to the raw lake: a reading, or a batch of them, each. */
  readonly records: number;
  readonly objects: number;
  readonly lakeDir: string;
  readonly pipeline?: LakeLoopFigures;
  readonly reportUrl?: string;
}

const LED_COLOURS: Readonly<Record<string, string>> = {
  online: "\x1b[32m",
  connecting: "\x1b[36m",
  "joining-wifi": "\x1b[34m",
  "waiting-for-time": "\x1b[37m",
  booting: "\x1b[37m",
  "sensor-fault": "\x1b[35m",
  "buffer-nearly-full": "\x1b[33m",
  anomaly: "\x1b[97m",
  "firmware-update": "\x1b[36m",
  "network-down": "\x1b[33m",
  "broker-unreachable": "\x1b[33m",
  "tls-rejected": "\x1b[31m",
  "not-authorised": "\x1b[31m",
  "not-provisioned": "\x1b[34m",
};
const RESET = "\x1b[0m";

function reading(status: BoardLogState): string {
  const r = status.lastReading;
  if (!r) return "no reading yet";
  const value = (label: string, v: string | undefined, unit: string) => `${label} ${v === undefined ? "—" : `${v}${unit}`}`;
  const climate = r.sht4x ? `T/RH ${r.sht4x}` : `${value("T", r.t, "°C")}  ${value("RH", r.rh, "%")}`;
  const particulates = r.pms5003 ? `PM ${r.pms5003}` : `${value("PM1", r.pm1, "")}  ${value("PM2.5", r.pm2_5, "")}  ${value("PM10", r.pm10, " µg/m³")}`;
  return `${climate}  ${particulates}`;
}

/** A fleet this small is shown board by board; a larger one as a summary and the boards that need attention. */
export const FEW_BOARDS = 10;
/** Boards needing attention listed by name below the summary; the rest are counted. */
const ATTENTION_ROWS = 10;

const tally = (entries: FleetSummary["leds"]): string => entries.map(([state, count]) => `${count} ${state}`).join(" · ");

/** Readings taken against readings curated: how far the queryable lake is behind the boards. */
function readingsLine(fleet: FleetSummary, lake: LakeFigures | undefined, perMinute: number | undefined): string {
  const rate = perMinute === undefined ? "" : `, ${Math.round(perMinute)} a minute`;
  const lag = lake?.pipeline ? `; ${lake.pipeline.curated} curated (${Math.max(0, fleet.readings - lake.pipeline.curated)} not yet queryable)` : "";
  return `${fleet.readings} taken${rate}${lag}`;
}

/**
 * One screen of the fleet, cut to `width` columns: counts per LED and connection state, readings
 * and the lake's lag, then a row per board for a few boards, or for the boards that need
 * attention (worst first) in a larger fleet. The LED state is spelled out in words as well as coloured.
 */
export function renderView(boards: readonly BoardLogState[], lake: LakeFigures, colour: boolean, width = 160, readingsPerMinute?: number): string {
  const paint = (state: string) => (colour ? `${LED_COLOURS[state] ?? ""}● ${state.padEnd(18)}${RESET}` : `[${state}]`.padEnd(21));
  const fleet = summariseFleet(boards);
  const shown = boards.length <= FEW_BOARDS ? boards : fleet.attention.slice(0, ATTENTION_ROWS);
  const nameWidth = Math.max(0, ...shown.map((board) => board.thing.length)) + 1;
  const cut = (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
  const lines = [
    `aqm local twin — ${boards.length} boards → IoT Core on 127.0.0.1 → lake ${lake.lakeDir}`,
    cut(`LED         ${tally(fleet.leds)}`),
    cut(`connection  ${tally(fleet.connections)}`),
    cut(`readings    ${readingsLine(fleet, lake, readingsPerMinute)}`),
    "",
  ];
  if (boards.length > FEW_BOARDS)
    lines.push(fleet.attention.length === 0 ? "no board needs attention" : `${fleet.attention.length} board(s) need attention, worst first:`);
  for (const board of shown) {
    lines.push(
      `${board.thing.padEnd(nameWidth)} LED ${paint(board.led)} ${board.connection.padEnd(10)} readings ${String(board.readings).padStart(5)}  ${reading(board)}`,
    );
    if (board.lastProblem) lines.push(cut(`${"".padEnd(nameWidth)} last problem: ${board.lastProblem}`));
  }
  const unlisted = boards.length > FEW_BOARDS ? fleet.attention.slice(ATTENTION_ROWS) : [];
  if (unlisted.length > 0) lines.push(cut(`… and ${unlisted.length} more: ${unlisted.map((board) => `${board.thing} (${board.led})`).join(", ")}`));
  lines.push("", `lake: ${lake.records} telemetry messages in ${lake.objects} objects (${lake.messages} MQTT messages received)   Ctrl-C stops cleanly`);
  const p = lake.pipeline;
  if (p)
    lines.push(
      `curated: ${p.curated} readings, ${p.duplicates} duplicates removed, ${p.quarantined} quarantined (${p.rounds} ETL runs, ${p.compactedPartitions} partitions compacted); thresholds sent to shadows: ${p.thresholdsPublished} (${p.trainings} trainings)`,
    );
  if (lake.reportUrl) lines.push(`report: ${lake.reportUrl}`);
  return lines.join("\n");
}

/** One line for a log file: the fleet's counts, readings and lake lag (without a local lake, none), and the few worst boards by name. */
export function renderStatusLine(boards: readonly BoardLogState[], lake: LakeFigures | undefined, readingsPerMinute?: number): string {
  const fleet = summariseFleet(boards);
  const worst = fleet.attention.slice(0, 3).map((board) => `${board.thing}=${board.led}`);
  const more = fleet.attention.length > worst.length ? ` (+${fleet.attention.length - worst.length} more)` : "";
  return [
    `boards ${fleet.boards}: LED ${tally(fleet.leds)}`,
    `connection ${tally(fleet.connections)}`,
    `readings ${readingsLine(fleet, lake, readingsPerMinute)}`,
    ...(lake ? [`lake messages=${lake.records} objects=${lake.objects}`] : []),
    `attention ${worst.length === 0 ? "none" : `${worst.join(" ")}${more}`}`,
  ].join("; ");
}
