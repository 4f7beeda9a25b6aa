import { readFileSync } from "node:fs";
import { parseLogLine } from "../field/monitor/LogLineParser.ts";

/** The readings a board took, by its own serial log: each SM300 line, under the boot its last BT100 line announced. */
export interface BoardReadings {
  /** `<boot>/<seq>` of each reading. */
  readonly keys: ReadonlySet<string>;
  readonly readings: number;
  readonly boots: number;
  /**
   * `<boot>/<seq>` of readings taken while the clock was not set yet (SM320) in a boot that
   * restarted before it was set: the flash queue keeps them, and the next boot that sets its
   * clock gives them wall times, so they must reach the lake like any other.
   */
  readonly restartedBeforeClock: ReadonlySet<string>;
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
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { keys: new Set(), readings: 0, boots: 0, restartedBeforeClock: new Set() };
    throw error;
  }
  const keys = new Set<string>();
  const restartedBeforeClock = new Set<string>();
  let held: string[] = [];
  let holding = false;
  let boot: string | undefined;
  let boots = 0;
  for (const line of text.split("\n")) {
    if (!/ (BT100|SM300|SM320|NW121) /.test(line)) continue;
    let event;
    try {
      event = parseLogLine(line);
    } catch {
      continue;
    }
    if (event.code === "BT100") {
      for (const key of held) restartedBeforeClock.add(key);
      held = [];
      holding = false;
      boot = event.fields.boot;
      boots++;
    } else if (event.code === "SM320") holding = true;
    else if (event.code === "NW121") {
      held = [];
      holding = false;
    } else if (event.code === "SM300" && boot !== undefined && event.fields.seq !== undefined) {
      const key = `${boot}/${event.fields.seq}`;
      keys.add(key);
      if (holding) held.push(key);
    }
  }
  return { keys, readings: keys.size, boots, restartedBeforeClock };
}
