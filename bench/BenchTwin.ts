import { parseMainJobOptions, type MainJobOptions } from "../host-tools/twin/MainJobOptions.ts";

/**
 * The twin's options for a bench, from the bench's own twin flags: the state in `stateDir`, free
 * ports for the IoT Core and the report (a bench never takes 8883 from a running twin), no
 * training, and the status line, not the live table.
 */
export function benchTwinOptions(stateDir: string, twinArgs: readonly string[]): MainJobOptions {
  return parseMainJobOptions([...twinArgs, "--state", stateDir, "--port", "0", "--report-port", "0", "--train-every", "0"], false)!;
}
