import { EXIT, failedWith, type CliCommand, type CommandOutput, type ExitCode } from "../cli/CliCommand.ts";
import { UsageError } from "../cli/CommandArgs.ts";
import { CalibrationFileError, checkCalibrationFile, installCalibration } from "./CalibrationInstaller.ts";

/** `aqm calibration`: exit code 0 valid (and installed), 1 the record fails its check, 2 bad usage. */
export const CALIBRATION_COMMAND: CliCommand<CommandOutput> = {
  name: "calibration",
  summary: "check a gas-sensor calibration record, or install it on a simulated board",
  usage: `  aqm calibration check FILE
      Check a gas-sensor calibration record (JSON, docs/gas-sensors.md) as the board would.
  aqm calibration install FILE --board DIR
      Check it, then store it in a simulated board's preferences (DIR is e.g. state/boards/<thing>);
      the board loads it at its next start. A record that fails the check changes nothing.`,
  usageErrorPrefix: "aqm",
  run: calibration,
};

async function calibration(args: readonly string[], io: CommandOutput): Promise<ExitCode> {
  const [action, file, ...rest] = args;
  if ((action !== "check" && action !== "install") || !file) throw new UsageError("aqm calibration needs check FILE or install FILE --board DIR");
  try {
    if (action === "check") {
      if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")} after aqm calibration check FILE`);
      const { record } = checkCalibrationFile(file);
      io.stdout(
        `${file}: valid calibration record ${record.id} (CO ${record.co.serial}, NO2 ${record.no2.serial}, SO2 ${record.so2.serial}, OX ${record.ox.serial})\n`,
      );
      return EXIT.done;
    }
    if (rest[0] !== "--board" || !rest[1] || rest.length > 2) throw new UsageError("aqm calibration install needs --board DIR");
    const installed = installCalibration(file, rest[1]);
    io.stdout(
      `installed calibration ${installed.id} in ${rest[1]}${installed.replaced ? ` (replacing ${installed.replaced})` : ""}; the board uses it from its next start\n`,
    );
    return EXIT.done;
  } catch (error) {
    return failedWith(error, [CalibrationFileError], io, "aqm");
  }
}
