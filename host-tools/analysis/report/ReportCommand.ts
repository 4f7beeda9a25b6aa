import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { QueryFailed } from "../../local-cloud/lake/LakeQuery.ts";
import { ForecastInputError, parseDeepArForecast, type DeepArForecast } from "./DeepArForecast.ts";
import { readLakeReport } from "./LakeReport.ts";
import { renderReportPage } from "./ReportPage.ts";

export const REPORT_HELP = `  aqm report [--state DIR] [--out FILE] [--forecast FILE]… [--hours N] [--threshold X]
      Write the report page (one HTML file, opens offline): per board, each channel's readings
      over the N hours before the lake's newest one (default 48), with anomalous readings
      (score ≥ X, default 0.025) marked, warm-up and sensor faults (with their codes) shaded,
      and the line broken where the board sent nothing for over 3 intervals, from the curated
      lake (DIR/lake, default state/lake; run aqm etl first). FILE defaults to DIR/report.html.
      --forecast draws a DeepAR forecast: a JSON file {"thing", "channel", "start",
      "predictions": [{"mean": […], "quantiles": {"0.1": […], "0.9": […]}}]} or an array of them.`;

export interface CommandOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_OUTPUT: CommandOutput = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** `aqm report`: exit code 0 written, 1 failed (a forecast file, the lake), 2 bad usage. */
export async function reportCommand(args: readonly string[], output: CommandOutput = PROCESS_OUTPUT): Promise<number> {
  let options;
  try {
    options = parseReportArgs(args);
  } catch (error) {
    if (!(error instanceof ReportUsageError)) throw error;
    output.stderr(`aqm report: ${error.message}\n\n${REPORT_HELP}\n`);
    return 2;
  }
  try {
    const forecasts = (await Promise.all(options.forecastFiles.map(readForecastFile))).flat();
    const lakeDir = path.join(options.stateDir, "lake");
    const data = await readLakeReport({ lakeDir, forecasts, ...(options.hours === undefined ? {} : { windowHours: options.hours }), ...(options.threshold === undefined ? {} : { threshold: options.threshold }) });
    await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await writeFile(options.out, renderReportPage(data));
    const marked = data.boards.reduce((n, b) => n + b.anomalyMarks.length, 0);
    output.stdout(data.curatedReadings === 0
      ? `aqm report: wrote ${options.out}; ${lakeDir} has no curated reading yet (run aqm etl)\n`
      : `aqm report: wrote ${options.out}: ${data.boards.length} boards, ${data.boards.reduce((n, b) => n + b.times.length, 0)} readings drawn, ${marked} marked anomalous, ${forecasts.length} forecasts\n`);
    return 0;
  } catch (error) {
    if (error instanceof ForecastInputError || error instanceof QueryFailed || isFileError(error)) {
      output.stderr(`aqm report: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

class ReportUsageError extends Error {}

interface ReportArgs {
  readonly stateDir: string;
  readonly out: string;
  readonly forecastFiles: readonly string[];
  readonly hours: number | undefined;
  readonly threshold: number | undefined;
}

function parseReportArgs(args: readonly string[]): ReportArgs {
  let stateDir = "state";
  let out: string | undefined;
  let hours: number | undefined;
  let threshold: number | undefined;
  const forecastFiles: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = args[i + 1];
    if (!["--state", "--out", "--forecast", "--hours", "--threshold"].includes(arg)) throw new ReportUsageError(`unknown ${arg.startsWith("--") ? "option" : "argument"} ${arg}`);
    if (value === undefined || value.startsWith("--")) throw new ReportUsageError(`${arg} needs a value`);
    i++;
    if (arg === "--state") stateDir = value;
    else if (arg === "--out") out = value;
    else if (arg === "--forecast") forecastFiles.push(value);
    else if (arg === "--hours") {
      hours = Number(value);
      if (!(hours > 0)) throw new ReportUsageError(`--hours must be a positive number, not "${value}"`);
    } else {
      threshold = Number(value);
      if (!(threshold >= 0 && threshold <= 1)) throw new ReportUsageError(`--threshold must be a number from 0 to 1, not "${value}"`);
    }
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
