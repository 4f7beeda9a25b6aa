import type { BoardStatus } from "./BoardStatus.ts";

export interface LakeFigures {
  readonly messages: number;
  readonly records: number;
  readonly objects: number;
  readonly lakeDir: string;
}

const LED_COLOURS: Readonly<Record<string, string>> = {
  online: "\x1b[32m",
  connecting: "\x1b[36m",
  booting: "\x1b[37m",
  "sensor-fault": "\x1b[35m",
  "network-down": "\x1b[33m",
  "broker-unreachable": "\x1b[33m",
  "tls-rejected": "\x1b[31m",
  "not-authorised": "\x1b[31m",
  "not-provisioned": "\x1b[34m",
};
const RESET = "\x1b[0m";

function reading(status: BoardStatus): string {
  const r = status.lastReading;
  if (!r) return "no reading yet";
  const part = (label: string, value: string | undefined, unit: string) => `${label} ${value ?? "—"}${value === undefined ? "" : unit}`;
  return [part("T", r.t, "°C"), part("RH", r.rh, "%"), part("PM1", r.pm1, ""), part("PM2.5", r.pm2_5, ""), part("PM10", r.pm10, " µg/m³")].join("  ");
}

/** One screen of board status; the LED state is spelled out in words as well as coloured. */
export function renderView(boards: readonly BoardStatus[], lake: LakeFigures, colour: boolean): string {
  const paint = (state: string) => (colour ? `${LED_COLOURS[state] ?? ""}● ${state}${RESET}` : `[${state}]`);
  const lines = [`aqm local twin — ${boards.length} boards → IoT Core on 127.0.0.1 → lake ${lake.lakeDir}`, ""];
  for (const board of boards) {
    lines.push(`${board.thing.padEnd(14)} LED ${paint(board.led).padEnd(colour ? 30 : 22)} ${board.connection.padEnd(10)} readings ${String(board.readings).padStart(5)}  ${reading(board)}`);
    if (board.lastProblem) lines.push(`${"".padEnd(14)} last problem: ${board.lastProblem}`);
  }
  lines.push("", `lake: ${lake.records} records in ${lake.objects} objects (${lake.messages} messages received)   Ctrl-C stops cleanly`);
  return lines.join("\n");
}
