import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { CalibrationStore } from "../../../firmware/board/CalibrationStore";
import type { CalibrationRecord } from "../../../firmware/gas/GasCalibration";
import { NvsStore } from "../../board-sim/board/NvsStore.ts";

export class CalibrationFileError extends Error {}

/** Reads and checks a calibration record file with the board's own validation; the error names the file and the field. */
export function checkCalibrationFile(file: string): { readonly record: CalibrationRecord; readonly text: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CalibrationFileError(`${file}: ${(error as Error).message}`);
  }
  const store = new CalibrationStore(new NvsStore());
  const result = store.replace(text.trim());
  if ("rejected" in result) throw new CalibrationFileError(`${file}: ${result.rejected}`);
  return { record: result.accepted, text: text.trim() };
}

/**
 * Installs a record into a simulated board's preferences (`<board dir>/nvs.json`, as the main job
 * keeps them under state/boards/<thing>), through the same store the firmware uses, so what the
 * board would reject is rejected here and the record already there is kept.
 */
export function installCalibration(file: string, boardDir: string): { readonly id: string; readonly replaced?: string } {
  if (!existsSync(boardDir) || !statSync(boardDir).isDirectory())
    throw new CalibrationFileError(`${boardDir}: no such board folder (expected e.g. state/boards/<thing>)`);
  const { text } = checkCalibrationFile(file);
  const store = new CalibrationStore(new NvsStore({ file: path.join(boardDir, "nvs.json") }));
  const before = store.load();
  const result = store.replace(text);
  if ("rejected" in result) throw new CalibrationFileError(`${file}: ${result.rejected}`);
  return "record" in before ? { id: result.accepted.id, replaced: before.record.id } : { id: result.accepted.id };
}
