import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels.ts";
import { EXIT, failedWith, type CliCommand, type CommandOutput, type ExitCode } from "../../field/cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../../field/cli/CommandArgs.ts";
import { lakeDirOf } from "../../local-cloud/lake/LakeLayout.ts";
import { LakeQuery } from "../../local-cloud/lake/LakeQuery.ts";
import { checkThingInLake, hourlyMeans, UnknownThing } from "./HourlyMeans.ts";
import { POLLUTANTS, seasonalNaiveForecast, TooLittleHistory, type DeepArShapedForecast } from "./SeasonalNaiveForecast.ts";

/** `aqm forecast`: exit code 0 at least one forecast printed, 1 an unknown board or too little history, 2 bad usage. */
export const FORECAST_COMMAND: CliCommand<CommandOutput> = {
  name: "forecast",
  summary: "forecast a board's next 24 hours from the curated lake, as DeepAR-shaped JSON",
  usage: `  aqm forecast --thing NAME [--channel C] [--state DIR]
      Forecast the next 24 hours of a board's pollutants (or channel C) from the curated lake by
      hour of day over the previous 7 days (median, mean, 10 % and 90 % quantiles of the same hour),
      printed as JSON in the shape of a SageMaker DeepAR response with the series and start hour:
      one object for --channel, else an array (channels with too little history are named on
      standard error). Value i of each array is the hour starting at start + i hours (UTC).`,
  usageErrorPrefix: "aqm",
  run: forecast,
};

async function forecast(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  let stateDir = "state";
  let thing: string | undefined;
  let channel: Channel | undefined;
  const args = new CommandArgs(argv);
  for (const arg of args) {
    if (arg !== "--state" && arg !== "--thing" && arg !== "--channel") throw new UsageError(`unknown option ${arg} for aqm forecast`);
    const value = args.optionValue(arg);
    if (arg === "--state") stateDir = value;
    else if (arg === "--thing") thing = value;
    else {
      const known = CHANNELS.map((c) => c.name);
      if (!(known as string[]).includes(value)) throw new UsageError(`--channel must be one of ${known.join(", ")}, not "${value}"`);
      channel = value as Channel;
    }
  }
  if (!thing) throw new UsageError("aqm forecast needs --thing NAME");
  const lake = await LakeQuery.open(lakeDirOf(stateDir));
  const forecasts: DeepArShapedForecast[] = [];
  const refused: string[] = [];
  try {
    await checkThingInLake(lake, thing);
    for (const c of channel ? [channel] : POLLUTANTS) {
      try {
        forecasts.push(seasonalNaiveForecast(thing, c, await hourlyMeans(lake, thing, c)));
      } catch (error) {
        if (!(error instanceof TooLittleHistory)) throw error;
        refused.push(error.message);
      }
    }
  } catch (error) {
    return failedWith(error, [UnknownThing], io, "aqm forecast");
  } finally {
    lake.close();
  }
  for (const reason of refused) io.stderr(`aqm forecast: ${reason}\n`);
  if (forecasts.length === 0) return EXIT.failed;
  io.stdout(`${JSON.stringify(channel ? forecasts[0] : forecasts, null, 2)}\n`);
  return EXIT.done;
}
