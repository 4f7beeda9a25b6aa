#!/usr/bin/env -S node --import tsx
import { FORECAST_COMMAND } from "../../analysis/forecast/ForecastCommand.ts";
import { REPORT_COMMAND } from "../../analysis/report/ReportCommand.ts";
import { TRAIN_COMMAND } from "../../analysis/training/TrainCommand.ts";
import { ETL_COMMAND } from "../../local-cloud/lake/EtlCommand.ts";
import { QUERY_COMMAND } from "../../local-cloud/lake/QueryCommand.ts";
import { BUILD_COMMAND } from "../build/BuildCommand.ts";
import { CALIBRATION_COMMAND } from "../calibration/CalibrationCommand.ts";
import { FLASH_COMMAND } from "../flash/FlashCommand.ts";
import { UPDATE_COMMAND } from "../flash/UpdateCommand.ts";
import { HIL_COMMAND } from "../hil/HilCommand.ts";
import { MONITOR_COMMAND } from "../monitor/MonitorCommand.ts";
import { PROVISION_COMMAND } from "../provision/ProvisionCommand.ts";
import { FLEET_COMMAND } from "../../twin/FleetCommand.ts";
import { EXIT, PROCESS_IO, runCommand, type CliCommand, type ExitCode } from "./CliCommand.ts";

/** In the order `aqm --help` lists them: the bench and the board first, then the lake's data. */
const COMMANDS: readonly CliCommand[] = [
  MONITOR_COMMAND,
  CALIBRATION_COMMAND,
  BUILD_COMMAND,
  FLASH_COMMAND,
  UPDATE_COMMAND,
  HIL_COMMAND,
  PROVISION_COMMAND,
  FLEET_COMMAND,
  ETL_COMMAND,
  QUERY_COMMAND,
  TRAIN_COMMAND,
  FORECAST_COMMAND,
  REPORT_COMMAND,
];

const NAME_WIDTH = Math.max(...COMMANDS.map((command) => command.name.length));

const HELP = `aqm: tools for aqm boards

Usage: aqm COMMAND [ARGUMENT…]
       aqm COMMAND --help     what COMMAND takes and does

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(NAME_WIDTH)}  ${command.summary}`).join("\n")}

Exit codes: 0 done, 1 failed, 2 bad usage, 3 a required tool or serial port is missing.`;

async function main(argv: readonly string[]): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "help") {
    PROCESS_IO.stdout(`${HELP}\n`);
    return name ? EXIT.done : EXIT.badUsage;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    PROCESS_IO.stderr(`aqm: unknown command "${name}"\n\n${HELP}\n`);
    return EXIT.badUsage;
  }
  return runCommand(command, args, PROCESS_IO);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`aqm: ${(error as Error).message}\n`);
    process.exit(EXIT.failed);
  },
);
