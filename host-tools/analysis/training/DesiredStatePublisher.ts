import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { checkThingName } from "../../../firmware/session/ThingName.ts";

/**
 * Where training sends a thing's new settings: a Device Shadow desired-state patch (partial
 * objects merge into the board's current settings, firmware/shadow/RuntimeSettings.ts). The local
 * Device Shadow service and AWS IoT's UpdateThingShadow can both stand behind it.
 */
export interface DesiredStatePublisher {
  publishDesired(thing: string, desired: Record<string, unknown>): Promise<void>;
}

/**
 * Writes each patch to `<dir>/<thing>.json` and sends nothing to a board: the hand-over point for
 * whatever applies desired states (there is no running shadow service to call from the CLI).
 */
export class DesiredPatchFiles implements DesiredStatePublisher {
  constructor(readonly dir: string) {}

  fileOf(thing: string): string {
    checkThingName(thing);
    return path.join(this.dir, `${thing}.json`);
  }

  async publishDesired(thing: string, desired: Record<string, unknown>): Promise<void> {
    const file = this.fileOf(thing);
    await mkdir(this.dir, { recursive: true });
    await writeFile(file, `${JSON.stringify(desired, null, 2)}\n`);
  }
}
