import { UsageError } from "../cli/CommandArgs.ts";
import type { WifiSettings } from "./BoardProvisioner.ts";

/** `--wifi SSID`, its password from the environment so that it stays out of shell histories and process lists. */
export function wifiOption(ssid: string | undefined): WifiSettings | undefined {
  if (!ssid) return undefined;
  const password = process.env.AQM_WIFI_PASSWORD;
  if (password === undefined) throw new UsageError('--wifi needs the password in the AQM_WIFI_PASSWORD environment variable ("" for an open network)');
  return { ssid, password };
}
