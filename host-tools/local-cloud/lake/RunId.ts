import { randomBytes } from "node:crypto";

/** A run's name: its UTC start time, sortable, and a random tail so two runs in one millisecond differ. */
export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
}
