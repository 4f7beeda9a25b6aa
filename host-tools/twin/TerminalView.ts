import type { BoardLogState } from "./BoardLogState.ts";
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

/** One screen of board status, cut to `width` columns; the LED state is spelled out in words as well as coloured. */
export function renderView(boards: readonly BoardLogState[], lake: LakeFigures, colour: boolean, width = 160): string {
  const paint = (state: string) => (colour ? `${LED_COLOURS[state] ?? ""}● ${state.padEnd(18)}${RESET}` : `[${state}]`.padEnd(21));
  const nameWidth = Math.max(...boards.map((board) => board.thing.length)) + 1;
  const cut = (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
  const lines = [`aqm local twin — ${boards.length} boards → IoT Core on 127.0.0.1 → lake ${lake.lakeDir}`, ""];
  for (const board of boards) {
    lines.push(
      `${board.thing.padEnd(nameWidth)} LED ${paint(board.led)} ${board.connection.padEnd(10)} readings ${String(board.readings).padStart(5)}  ${reading(board)}`,
    );
    if (board.lastProblem) lines.push(cut(`${"".padEnd(nameWidth)} last problem: ${board.lastProblem}`));
  }
  lines.push("", `lake: ${lake.records} telemetry messages in ${lake.objects} objects (${lake.messages} MQTT messages received)   Ctrl-C stops cleanly`);
  const p = lake.pipeline;
  if (p)
    lines.push(
      `curated: ${p.curated} readings, ${p.duplicates} duplicates removed, ${p.quarantined} quarantined (${p.rounds} ETL runs, ${p.compactedPartitions} partitions compacted); thresholds sent to shadows: ${p.thresholdsPublished} (${p.trainings} trainings)`,
    );
  if (lake.reportUrl) lines.push(`report: ${lake.reportUrl}`);
  return lines.join("\n");
}
