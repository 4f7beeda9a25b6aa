import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { readLabelWindows, type LabelWindow } from "./label-windows.ts";
import { readNabCsv, type NabSeries } from "./nab-csv.ts";

/**
 * A NAB corpus directory (data/, labels/, config/, results/). The series list
 * comes from labels/combined_windows.json, which names every scored file,
 * including those without anomalies.
 */
export class NabCorpus {
  readonly #root: string;
  readonly #windows: Map<string, LabelWindow[]>;

  constructor(root: string) {
    const labels = join(root, "labels", "combined_windows.json");
    if (!existsSync(labels)) throw new Error(`${root} is not a NAB corpus: ${labels} is missing`);
    this.#root = root;
    this.#windows = readLabelWindows(labels);
  }

  get root(): string {
    return this.#root;
  }

  /** Series names like "realKnownCause/nyc_taxi.csv", in label-file order. */
  get seriesNames(): string[] {
    return [...this.#windows.keys()];
  }

  windowsOf(series: string): readonly LabelWindow[] {
    const windows = this.#windows.get(series);
    if (!windows) throw new Error(`${series} has no entry in labels/combined_windows.json`);
    return windows;
  }

  configPath(file: "profiles.json" | "thresholds.json"): string {
    return join(this.#root, "config", file);
  }

  resultsPath(file: string): string {
    return join(this.#root, "results", file);
  }

  readData(series: string): NabSeries {
    return readNabCsv(join(this.#root, "data", series), "value");
  }

  /**
   * A detector's output follows NAB's naming: <results>/<detector>/<category>/<detector>_<file>.csv,
   * where <results> is the corpus's results/ or another checkout's (the shared corpus carries only
   * three detectors' outputs; numenta/NAB's results/ has all of the scoreboard's).
   */
  readDetectorScores(detector: string, series: string, resultsDir = join(this.#root, "results")): NabSeries {
    const path = join(resultsDir, detector, dirname(series), `${detector}_${basename(series)}`);
    if (!existsSync(path)) throw new Error(`no ${detector} output for ${series}: ${path} is missing`);
    return readNabCsv(path, "anomaly_score");
  }
}
