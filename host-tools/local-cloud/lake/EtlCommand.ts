import { EXIT, failedWith, type CliCommand, type CommandOutput, type ExitCode } from "../../field/cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../../field/cli/CommandArgs.ts";
import { CompactionMismatch, DEFAULT_MAX_FILES_PER_PARTITION, LakeCompactor } from "./LakeCompactor.ts";
import { LakeCurator } from "./LakeCurator.ts";
import { lakeDirOf } from "./LakeLayout.ts";
import { LakeBusy } from "./LakeLock.ts";

/** `aqm etl`: exit code 0 curated (and compacted), 1 the lake is busy or a merge was refused, 2 bad usage. */
export const ETL_COMMAND: CliCommand<CommandOutput> = {
  name: "etl",
  summary: "curate the local lake's new raw objects into Parquet; --compact merges small files",
  usage: `  aqm etl [--state DIR] [--compact [--max-files N]]
      Curate the local lake (DIR/lake, default state/lake): raw objects not curated before become
      Parquet rows under curated/date=YYYY-MM-DD/thing=NAME/, deduplicated by (thing, boot, seq);
      lines that are not valid readings go to quarantine/ with the reason, object key and line.
      Prints the counts: raw lines = curated + duplicates + quarantined. Safe to rerun.
      --compact then merges the Parquet files of each date/thing partition holding more than N
      (default ${DEFAULT_MAX_FILES_PER_PARTITION}) into one with the same rows, checked before the old files are deleted,
      and finishes or undoes a compaction a crash interrupted (docs/local-lake.md). Prints the
      partitions, files before → after and rows; exit 1 if a merge is refused.`,
  usageErrorPrefix: "aqm",
  run: etl,
};

async function etl(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  let stateDir = "state";
  let compact = false;
  let maxFiles: number | undefined;
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--compact") compact = true;
    else if (arg === "--state") stateDir = args.optionValue(arg);
    else if (arg === "--max-files") maxFiles = args.numberValue(arg, "a whole number of at least 1", (n) => Number.isInteger(n) && n >= 1);
    else throw new UsageError(`unknown option ${arg} for aqm etl`);
  }
  if (maxFiles !== undefined && !compact) throw new UsageError("--max-files goes with --compact");
  const lakeDir = lakeDirOf(stateDir);
  const say = (line: string): void => io.stdout(`${line}\n`);
  try {
    const report = await new LakeCurator({ lakeDir }).curate();
    if (report.objects === 0) say(`aqm etl: no new raw objects in ${lakeDir}; nothing to do`);
    else {
      say(
        `aqm etl: ${report.objects} raw object${report.objects === 1 ? "" : "s"}, ${report.lines} lines, ${report.records} readings = ${report.curated} curated + ${report.duplicates} duplicates + ${report.quarantined} quarantined (run ${report.run})`,
      );
      for (const r of report.reasons) say(`  quarantined ${r.records}: ${r.reason}`);
    }
    if (!compact) return EXIT.done;
    const compaction = await new LakeCompactor({ lakeDir, ...(maxFiles === undefined ? {} : { maxFilesPerPartition: maxFiles }) }).compact();
    if (compaction.recovered) say(`aqm etl --compact: an interrupted compaction of ${compaction.recovered.partition} was ${compaction.recovered.outcome}`);
    const n = compaction.partitions.length;
    if (n === 0) say(`aqm etl --compact: no partition holds more than ${compaction.maxFilesPerPartition} files; nothing to do`);
    else
      say(
        `aqm etl --compact: ${n} partition${n === 1 ? "" : "s"}, ${compaction.filesBefore} files → ${compaction.filesAfter}, ${compaction.rows} rows (run ${compaction.run})`,
      );
    for (const p of compaction.partitions) say(`  ${p.partition}: ${p.files} files → 1, ${p.rows} rows`);
    return EXIT.done;
  } catch (error) {
    return failedWith(error, [LakeBusy, CompactionMismatch], io, "aqm etl");
  }
}
