import { writeTogether, type ConsolePreferences, type PreferenceChange } from "./ConsolePreferences";
import { SETTING_KEYS } from "./ProvisioningSettings";

/**
 * What a factory reset erases: the identity, the network settings, and what the cloud set through
 * the Device Shadow. The boot counter stays (boot ids must not repeat) and so does the gas
 * calibration record, which belongs to the cells fitted, not to the owner.
 */
export const FACTORY_RESET_ERASES: readonly { readonly domain: string; readonly key: string }[] = [
  { domain: "tls", key: "ca" },
  { domain: "tls", key: "cert" },
  { domain: "tls", key: "key" },
  SETTING_KEYS.wifiSsid,
  SETTING_KEYS.wifiPassword,
  SETTING_KEYS.thing,
  SETTING_KEYS.endpoint,
  SETTING_KEYS.port,
  // firmware/shadow/RuntimeSettings.ts keeps the cloud's settings here.
  { domain: "aqm", key: "settings" },
];

/** Erases them all or, if NVS refuses, none; returns how many were set. */
export function eraseBoardSettings(preferences: ConsolePreferences): number {
  const present = FACTORY_RESET_ERASES.filter((entry) => preferences.get(entry.domain, entry.key) !== undefined);
  const changes: PreferenceChange[] = present.map((entry) => ({ ...entry, value: undefined }));
  writeTogether(preferences, changes);
  return present.length;
}
