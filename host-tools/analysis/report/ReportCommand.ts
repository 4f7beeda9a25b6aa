import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { EXIT, failed, runnerOf, type CliCommand, type CommandOutput, type ExitCode } from "../../field/cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../../field/cli/CommandArgs.ts";
import { lakeDirOf } from "../../local-cloud/lake/LakeLayout.ts";
import { QueryFailed } from "../../local-cloud/lake/LakeQuery.ts";
import { ForecastInputError, parseDeepArForecast, type DeepArForecast } from "./DeepArForecast.ts";
import { readLakeReport } from "./LakeReport.ts";
import { renderReportPage } from "./ReportPage.ts";

/** `aqm report`: exit code 0 written, 1 failed (a forecast file, the lake), 2 bad usage. */
export const REPORT_COMMAND: CliCommand<CommandOutput> = {
  name: "report",
  summary: "write the lake's boards, anomalies, faults and forecasts as one offline HTML page",
  usage: `  aqm report [--state DIR] [--out FILE] [--forecast FILE]… [--hours N] [--threshold X]
      Write the report page (one HTML file, opens offline): per board, each channel's readings
      over the N hours before the lake's newest one (default 48), with anomalous readings
      (score ≥ X, default 0.59737, the board's) marked, warm-up and sensor faults (with their codes) shaded,
      and the line broken where the board sent nothing for over 3 intervals, from the curated
      lake (DIR/lake, default state/lake; run aqm etl first). FILE defaults to DIR/report.html.
      --forecast draws a DeepAR forecast: a JSON file {"thing", "channel", "start",
      "predictions": [{"mean": […], "quantiles": {"0.1": […], "0.9": […]}}]} or an array of them.`,
  usageErrorPrefix: "aqm report",
  run: report,
};

export const reportCommand = runnerOf(REPORT_COMMAND);

async function report(args: readonly string[], output: CommandOutput): Promise<ExitCode> {
  const options = parseReportArgs(args);
  try {
    const forecasts = (await Promise.all(options.forecastFiles.map(readForecastFile))).flat();
    const lakeDir = lakeDirOf(options.stateDir);
    const data = await readLakeReport({
      lakeDir,
      forecasts,
      ...(options.hours === undefined ? {} : { windowHours: options.hours }),
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    });
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await writeFile(options.out, renderReportPage(data));
    const marked = data.boards.reduce((n, b) => n + b.anomalyMarks.length, 0);
    output.stdout(
      data.curatedReadings === 0
        ? `aqm report: wrote ${options.out}; ${lakeDir} has no curated reading yet (run aqm etl)\n`
        : `aqm report: wrote ${options.out}: ${data.boards.length} boards, ${data.boards.reduce((n, b) => n + b.times.length, 0)} readings drawn, ${marked} marked anomalous, ${forecasts.length} forecasts\n`,
    );
    return EXIT.done;
  } catch (error) {
    if (error instanceof ForecastInputError || error instanceof QueryFailed || isFileError(error)) return failed(output, "aqm report", error.message);
    throw error;
  }
}

interface ReportArgs {
  readonly stateDir: string;
  readonly out: string;
  readonly forecastFiles: readonly string[];
  readonly hours: number | undefined;
  readonly threshold: number | undefined;
}

function parseReportArgs(argv: readonly string[]): ReportArgs {
  let stateDir = "state";
  let out: string | undefined;
  let hours: number | undefined;
  let threshold: number | undefined;
  const forecastFiles: string[] = [];
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--state") stateDir = args.optionValue(arg);
    else if (arg === "--out") out = args.optionValue(arg);
    else if (arg === "--forecast") forecastFiles.push(args.optionValue(arg));
    else if (arg === "--hours") hours = args.numberValue(arg, "a positive number", (n) => n > 0);
    else if (arg === "--threshold") threshold = args.numberValue(arg, "a number from 0 to 1", (n) => n >= 0 && n <= 1);
    else throw new UsageError(`unknown ${arg.startsWith("--") ? "option" : "argument"} ${arg}`);
  }
  return { stateDir, out: out ?? path.join(stateDir, "report.html"), forecastFiles, hours, threshold };
}

async function readForecastFile(file: string): Promise<DeepArForecast[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    if (error instanceof SyntaxError) throw new ForecastInputError(`forecast ${file}: not valid JSON (${error.message})`);
    throw error;
  }
  return Array.isArray(json) ? json.map((f, i) => parseDeepArForecast(f, `${file} [${i}]`)) : [parseDeepArForecast(json, file)];
}

function isFileError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" && typeof (error as NodeJS.ErrnoException).path === "string";
}
