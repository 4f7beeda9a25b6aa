import { eventCodes } from "../../../firmware/log/EventCodes";
import { ledPatterns, type LedState } from "../../../firmware/status/LedPatterns";
import { LogLineError, parseLogLine } from "./LogLineParser.ts";

const LEVEL_COLOURS = { DEBUG: "\x1b[2m", INFO: "", WARN: "\x1b[33m", ERROR: "\x1b[31m" } as const;
const RESET = "\x1b[0m";

/**
 * Turns one serial log line into what a technician reads: the line coloured by level, then what
 * the event means and what to do, and for an LED change what the LED looks like now. A line
 * that is not from the board (bootloader noise, a truncated line) is shown as it is, marked.
 */
export function explainLogLine(line: string, colour: boolean): string {
  let event;
  try {
    event = parseLogLine(line);
  } catch (error) {
    if (!(error instanceof LogLineError)) throw error;
    return `${colour ? "\x1b[2m" : ""}? ${line}${colour ? RESET : ""}`;
  }
  const paint = colour ? LEVEL_COLOURS[event.level] : "";
  const lines = [`${paint}${line}${paint ? RESET : ""}`];
  const action = eventCodes[event.code].action;
  if (event.code === "LD500") {
    const state = event.fields.state as LedState | undefined;
    const pattern = state && state in ledPatterns ? ledPatterns[state] : undefined;
    if (pattern) lines.push(`    LED now: ${pattern.colour}, ${pattern.looks} (${state})`);
  } else if (action) {
    lines.push(`    what to do: ${action}`);
  }
  return lines.join("\n");
}
