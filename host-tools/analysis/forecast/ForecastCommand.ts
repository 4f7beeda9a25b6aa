import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels.ts";
import { EXIT, failedWith, type CliCommand, type CommandOutput, type ExitCode } from "../../field/cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../../field/cli/CommandArgs.ts";
import { lakeDirOf } from "../../local-cloud/lake/LakeLayout.ts";
import { LakeQuery } from "../../local-cloud/lake/LakeQuery.ts";
import { saveForecasts } from "./ForecastTable.ts";
import { checkThingInLake, hourlyMeans, UnknownThing } from "./HourlyMeans.ts";
import { limitCrossing, type LimitCrossing } from "./LimitCrossings.ts";
import { POLLUTANTS, seasonalNaiveForecast, TooLittleHistory, type DeepArShapedForecast } from "./SeasonalNaiveForecast.ts";

/** A forecast as `aqm forecast` prints it: DeepAR's shape, and where it crosses its WHO 2021 guideline (null: it does not, or there is none). */
export type PrintedForecast = DeepArShapedForecast & { readonly limitCrossing: (Omit<LimitCrossing, "from"> & { readonly from: string }) | null };

/** `aqm forecast`: exit code 0 at least one forecast printed, 1 an unknown board or too little history, 2 bad usage. */
export const FORECAST_COMMAND: CliCommand<CommandOutput> = {
  name: "forecast",
  summary: "forecast a board's next 24 hours from the curated lake, as DeepAR-shaped JSON",
  usage: `  aqm forecast (--thing NAME | --all) [--channel C] [--save] [--state DIR]
      Forecast the next 24 hours of a board's pollutants (or channel C) from the curated lake by
      hour of day over the previous 7 days (median, mean, 10 % and 90 % quantiles of the same hour),
      printed as JSON in the shape of a SageMaker DeepAR response with the series and start hour:
      one object for --thing and --channel, else an array (channels with too little history are
      named on standard error). Value i of each array is the hour starting at start + i hours (UTC).
      Each forecast says where its mean over the WHO 2021 guideline's averaging time first rises
      above the guideline level (limitCrossing, null if it does not). --all forecasts every board
      in the lake; --save also writes the forecasts into the lake's forecasts table, which
      aqm query (forecast-next-24h, forecast-limit-crossings) and aqm report read.`,
  usageErrorPrefix: "aqm",
  run: forecast,
};

async function forecast(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  let stateDir = "state";
  let thing: string | undefined;
  let channel: Channel | undefined;
  let all = false;
  let save = false;
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg === "--all") all = true;
    else if (arg === "--save") save = true;
    else if (arg !== "--state" && arg !== "--thing" && arg !== "--channel") throw new UsageError(`unknown option ${arg} for aqm forecast`);
    else {
      const value = args.optionValue(arg);
      if (arg === "--state") stateDir = value;
      else if (arg === "--thing") thing = value;
      else {
        const known = CHANNELS.map((c) => c.name);
        if (!(known as string[]).includes(value)) throw new UsageError(`--channel must be one of ${known.join(", ")}, not "${value}"`);
        channel = value as Channel;
      }
    }
  }
  if (all === (thing !== undefined)) throw new UsageError("aqm forecast needs --thing NAME or --all (not both)");
  const lakeDir = lakeDirOf(stateDir);
  const lake = await LakeQuery.open(lakeDir);
  const forecasts: DeepArShapedForecast[] = [];
  const refused: string[] = [];
  try {
    const things = thing === undefined ? (await lake.run("SELECT DISTINCT thing FROM telemetry ORDER BY thing")).rows.map((r) => String(r[0])) : [thing];
    if (thing !== undefined) await checkThingInLake(lake, thing);
    for (const t of things) {
      for (const c of channel ? [channel] : POLLUTANTS) {
        try {
          forecasts.push(seasonalNaiveForecast(t, c, await hourlyMeans(lake, t, c)));
        } catch (error) {
          if (!(error instanceof TooLittleHistory)) throw error;
          refused.push(error.message);
        }
      }
    }
  } catch (error) {
    return failedWith(error, [UnknownThing], io, "aqm forecast");
  } finally {
    lake.close();
  }
  for (const reason of refused) io.stderr(`aqm forecast: ${reason}\n`);
  if (forecasts.length === 0) return EXIT.failed;
  if (save) {
    const files = await saveForecasts(lakeDir, forecasts, Date.now());
    io.stderr(`aqm forecast: saved ${forecasts.length} forecasts in ${files.length} files of the lake's forecasts table\n`);
  }
  const printed = forecasts.map(withLimitCrossing);
  io.stdout(`${JSON.stringify(channel && !all ? printed[0] : printed, null, 2)}\n`);
  return EXIT.done;
}

function withLimitCrossing(f: DeepArShapedForecast): PrintedForecast {
  const crossing = limitCrossing({ channel: f.channel, start: Date.parse(f.start), mean: f.predictions[0].mean });
  return { ...f, limitCrossing: crossing && { ...crossing, from: new Date(crossing.from).toISOString() } };
}
