import { readFileSync } from "node:fs";
import { canonicalTimestamp } from "./nab-timestamp.ts";

/** One labelled anomaly window, inclusive at both ends. */
export interface LabelWindow {
  readonly start: string;
  readonly end: string;
}

/** Reads labels/combined_windows.json: "<category>/<file>.csv" → [[start, end], ...]. */
export function readLabelWindows(path: string): Map<string, LabelWindow[]> {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  const windows = new Map<string, LabelWindow[]>();
  for (const [series, list] of Object.entries(parsed)) {
    if (!Array.isArray(list)) throw new Error(`${path}: "${series}" is not a list of windows`);
    windows.set(
      series,
      list.map((pair: unknown, index) => {
        const where = `${path}: "${series}" window ${index}`;
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
          throw new Error(`${where} is not a [start, end] pair of strings`);
        }
        return { start: canonicalTimestamp(pair[0], where), end: canonicalTimestamp(pair[1], where) };
      }),
    );
  }
  return windows;
}
