import { randomBytes } from "node:crypto";
import path from "node:path";
import { checkThingInLake, hourlyMeans } from "../analysis/forecast/HourlyMeans.ts";
import { POLLUTANTS, seasonalNaiveForecast, TooLittleHistory } from "../analysis/forecast/SeasonalNaiveForecast.ts";
import { parseDeepArForecast, type DeepArForecast } from "../analysis/report/DeepArForecast.ts";
import { CompactionMismatch, LakeCompactor } from "../local-cloud/lake/LakeCompactor.ts";
import { LakeCurator } from "../local-cloud/lake/LakeCurator.ts";
import { LakeBusy } from "../local-cloud/lake/LakeLock.ts";
import { LakeQuery } from "../local-cloud/lake/LakeQuery.ts";
import { localTwinScorerConfig } from "../analysis/training/BoardScorerSettings.ts";
import type { DesiredStatePublisher } from "../analysis/training/DesiredStatePublisher.ts";
import { eachThingReadings, thingsInLake } from "../analysis/training/LakeReadings.ts";
import { modelRunDir, writeModelReport } from "../analysis/training/ModelReportFiles.ts";
import { trainThresholds } from "../analysis/training/ThresholdTraining.ts";

export interface LakeLoopOptions {
  readonly stateDir: string;
  /** How often new raw objects are curated into Parquet. */
  readonly etlEveryMs: number;
  /** How often each board's threshold is refitted and sent to its shadow; 0 never. */
  readonly trainEveryMs: number;
  readonly targetAlertsPerDay?: number;
  /** A (date, thing) partition holding more curated files than this is merged into one after curation. @default LakeCompactor's */
  readonly maxFilesPerPartition?: number;
  /** Where trained thresholds go: the local IoT Core's Device Shadow service. */
  readonly publisher: DesiredStatePublisher;
  readonly onNotice: (line: string) => void;
}

/** What the loop has done so far, for the terminal view. */
export interface LakeLoopFigures {
  readonly rounds: number;
  /** Readings the curation took from raw lines (a batch line holds several): curated + duplicates + quarantined. */
  readonly records: number;
  readonly curated: number;
  readonly duplicates: number;
  readonly quarantined: number;
  /** Partitions merged into one file by compaction, counted each time. */
  readonly compactedPartitions: number;
  readonly trainings: number;
  readonly thresholdsPublished: number;
}

/**
 * The local twin's version of the cloud pipeline's schedule: curate the raw lake (the Glue job),
 * merge the partitions that curation has split into too many small files, and now and then fit
 * each board's anomaly threshold on what was curated and publish it to the board's shadow
 * (SageMaker training and the calibration step). Rounds never overlap: a round that falls due
 * while one runs waits for it.
 */
export class LakeLoop {
  readonly #options: LakeLoopOptions;
  readonly #lakeDir: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #lastTrainingAt = 0;
  /** Set by a refused compaction: its partition needs a person, and refusing again every round says nothing new. */
  #compactionStopped = false;
  #figures: LakeLoopFigures = {
    rounds: 0,
    records: 0,
    curated: 0,
    duplicates: 0,
    quarantined: 0,
    compactedPartitions: 0,
    trainings: 0,
    thresholdsPublished: 0,
  };

  constructor(options: LakeLoopOptions) {
    if (!(options.etlEveryMs > 0)) throw new RangeError(`the ETL interval must be above 0 ms, got ${options.etlEveryMs}`);
    this.#options = options;
    this.#lakeDir = path.join(options.stateDir, "lake");
    this.#lastTrainingAt = performance.now();
  }

  get figures(): LakeLoopFigures {
    return this.#figures;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.round(), this.#options.etlEveryMs);
  }

  /** Stops the schedule and waits for the round under way. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One round now: curate, compact, then train if it is due (or if `train` asks for it). */
  round(train = false): Promise<void> {
    this.#running = this.#running.then(() => this.#round(train));
    return this.#running;
  }

  /**
   * Every pollutant of every board with enough history, for the report page. Each goes through
   * the page's DeepAR reader, as a forecast from the cloud's endpoint would.
   */
  async forecasts(): Promise<DeepArForecast[]> {
    const lake = await LakeQuery.open(this.#lakeDir);
    const found: DeepArForecast[] = [];
    try {
      for (const thing of await thingsInLake(lake)) {
        await checkThingInLake(lake, thing);
        for (const channel of POLLUTANTS) {
          try {
            found.push(parseDeepArForecast(seasonalNaiveForecast(thing, channel, await hourlyMeans(lake, thing, channel)), `${thing}/${channel}`));
          } catch (error) {
            // A board younger than a week has no forecast yet; the page shows its readings alone.
            if (!(error instanceof TooLittleHistory)) throw error;
          }
        }
      }
    } finally {
      lake.close();
    }
    return found;
  }

  async #round(train: boolean): Promise<void> {
    const { onNotice, trainEveryMs } = this.#options;
    try {
      const report = await new LakeCurator({ lakeDir: this.#lakeDir }).curate();
      const f = this.#figures;
      this.#figures = {
        ...f,
        rounds: f.rounds + 1,
        records: f.records + report.records,
        curated: f.curated + report.curated,
        duplicates: f.duplicates + report.duplicates,
        quarantined: f.quarantined + report.quarantined,
      };
      for (const reason of report.reasons) onNotice(`lake quarantined ${reason.records} reading(s): ${reason.reason}`);
    } catch (error) {
      onNotice(error instanceof LakeBusy ? `lake curation skipped: ${error.message}` : `lake curation failed: ${(error as Error).message}`);
      return;
    }
    if (!this.#compactionStopped) await this.#compact();
    const due = trainEveryMs > 0 && performance.now() - this.#lastTrainingAt >= trainEveryMs;
    if (train || due) await this.#train();
  }

  async #compact(): Promise<void> {
    const { onNotice, etlEveryMs, maxFilesPerPartition } = this.#options;
    let report;
    try {
      // A quarter of the interval at most, so that the next curation still starts on time.
      report = await new LakeCompactor({
        lakeDir: this.#lakeDir,
        budgetMs: etlEveryMs / 4,
        ...(maxFilesPerPartition === undefined ? {} : { maxFilesPerPartition }),
      }).compact();
    } catch (error) {
      if (error instanceof CompactionMismatch) this.#compactionStopped = true;
      onNotice(
        error instanceof LakeBusy
          ? `lake compaction skipped: ${error.message}`
          : `lake compaction failed${this.#compactionStopped ? " and stops until the twin restarts" : ""}: ${(error as Error).message}`,
      );
      return;
    }
    if (report.recovered) onNotice(`lake compaction ${report.run}: an interrupted compaction of ${report.recovered.partition} was ${report.recovered.outcome}`);
    if (report.partitions.length === 0) return;
    this.#figures = { ...this.#figures, compactedPartitions: this.#figures.compactedPartitions + report.partitions.length };
    onNotice(
      `lake compaction ${report.run}: ${report.partitions.length} partition(s) over ${report.maxFilesPerPartition} files, ${report.filesBefore} files → ${report.filesAfter}, ${report.rows} rows${report.deferred > 0 ? `; ${report.deferred} partition(s) left for the next round` : ""}`,
    );
  }

  async #train(): Promise<void> {
    const { stateDir, onNotice, publisher } = this.#options;
    this.#lastTrainingAt = performance.now();
    const run = `${new Date().toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
    const lake = await LakeQuery.open(this.#lakeDir);
    let report;
    try {
      report = await trainThresholds(eachThingReadings(lake), {
        run,
        targetAlertsPerDay: this.#options.targetAlertsPerDay ?? 1,
        configOf: localTwinScorerConfig(stateDir),
        publisher,
      });
    } finally {
      lake.close();
    }
    if (report.things.length === 0) return;
    const files = await writeModelReport(modelRunDir(stateDir, run), report);
    let published = 0;
    for (const t of report.things) {
      if (t.status === "refused") continue;
      if (t.publish.status === "published") published++;
      else if (t.publish.status === "failed") onNotice(`threshold for ${t.thing} not published: ${t.publish.error}`);
    }
    const f = this.#figures;
    this.#figures = { ...f, trainings: f.trainings + 1, thresholdsPublished: f.thresholdsPublished + published };
    onNotice(
      `training ${run}: ${published} threshold(s) sent to the boards' shadows, ${report.things.length - published} board(s) not (report ${files.markdown})`,
    );
  }
}
