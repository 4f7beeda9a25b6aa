import { THING_NAME, THING_NAME_RULE } from "../session/ThingName";
import type { PreferenceChange } from "./ConsolePreferences";

/**
 * What the console may set besides the TLS identity, each checked before anything is written.
 * Preference domains and keys stay within NVS's 15 characters. The Wi-Fi keys are the ones the
 * board reads at boot; the thing name and endpoint override the build's `mc/config` once stored.
 */
export const SETTING_KEYS = {
  wifiSsid: { domain: "wifi", key: "ssid" },
  wifiPassword: { domain: "wifi", key: "password" },
  thing: { domain: "aqm", key: "thing" },
  endpoint: { domain: "aqm", key: "endpoint" },
  port: { domain: "aqm", key: "port" },
} as const;

export type SettingChange = { readonly changes: readonly PreferenceChange[] } | { readonly problem: string };

/** IEEE 802.11 SSIDs are 1–32 octets; WPA2 passphrases 8–63 characters, or 64 hex digits of PSK; "" is an open network. */
export function wifiChange(ssid: string, password: string): SettingChange {
  if (ssid.length < 1 || ssid.length > 32) return { problem: `the SSID must be 1 to 32 characters, got ${ssid.length}` };
  const psk = /^[0-9a-fA-F]{64}$/.test(password);
  // The password's length is safe to say; its text is not.
  if (password !== "" && !psk && (password.length < 8 || password.length > 63))
    return { problem: `the password must be empty (open network) or 8 to 63 characters, got ${password.length}` };
  return {
    changes: [
      { ...SETTING_KEYS.wifiSsid, value: ssid },
      { ...SETTING_KEYS.wifiPassword, value: password },
    ],
  };
}

export function thingChange(thing: string): SettingChange {
  if (!THING_NAME.test(thing)) return { problem: `a thing name is ${THING_NAME_RULE}` };
  return { changes: [{ ...SETTING_KEYS.thing, value: thing }] };
}

/** A DNS name (RFC 1123 labels) or a dotted IPv4 address, and optionally a TCP port; without one the build's port applies. */
export function endpointChange(host: string, port: string | undefined): SettingChange {
  if (!isHostName(host) && !isIpv4(host))
    return { problem: "the endpoint must be a host name (letters, digits, '-', dots; up to 253 characters) or an IPv4 address" };
  let portNumber: number | undefined;
  if (port !== undefined) {
    portNumber = /^[0-9]{1,5}$/.test(port) ? Number(port) : 0;
    if (portNumber < 1 || portNumber > 65535) return { problem: "the port must be a number from 1 to 65535" };
  }
  return {
    changes: [
      { ...SETTING_KEYS.endpoint, value: host },
      { ...SETTING_KEYS.port, value: portNumber },
    ],
  };
}

function isHostName(host: string): boolean {
  if (host.length < 1 || host.length > 253) return false;
  const labels = host.split(".");
  // An all-numeric last label would make a malformed IPv4 address look like a name.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((label) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(label));
}

function isIpv4(host: string): boolean {
  const parts = host.split(".");
  return parts.length === 4 && parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}
