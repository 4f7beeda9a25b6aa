import { readFileSync } from "node:fs";
import { parseLogLine } from "../field/monitor/LogLineParser.ts";

/** The readings a board took, by its own serial log: each SM300 line, under the boot its last BT100 line announced. */
export interface BoardReadings {
  /** `<boot>/<seq>` of each reading. */
  readonly keys: ReadonlySet<string>;
  readonly readings: number;
  readonly boots: number;
}

/**
 * Reads a board's serial log (appended across every boot on a state folder) for the readings it
 * took: what a technician with the serial cable would count, independent of what the cloud got.
 * A line torn by a crash of the simulator is skipped; a missing log means no readings.
 */
export function readingsTaken(serialLog: string): BoardReadings {
  let text: string;
  try {
    text = readFileSync(serialLog, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { keys: new Set(), readings: 0, boots: 0 };
    throw error;
  }
  const keys = new Set<string>();
  let boot: string | undefined;
  let boots = 0;
  for (const line of text.split("\n")) {
    if (!/ (BT100|SM300) /.test(line)) continue;
    let event;
    try {
      event = parseLogLine(line);
    } catch {
      continue;
    }
    if (event.code === "BT100") {
      boot = event.fields.boot;
      boots++;
    } else if (event.code === "SM300" && boot !== undefined && event.fields.seq !== undefined) keys.add(`${boot}/${event.fields.seq}`);
  }
  return { keys, readings: keys.size, boots };
}
