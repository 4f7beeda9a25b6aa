import { eventCodes } from "../../../firmware/log/EventCodes";
import { FAULT_MEANINGS } from "../../../firmware/sampling/FaultCode";
import { ledPatterns } from "../../../firmware/status/LedPatterns";

/** What each LED state means and what a technician does about it. */
const ledMeaning: Readonly<Record<keyof typeof ledPatterns, { meaning: string; action: string }>> = {
  booting: { meaning: "Starting up", action: "Wait a few seconds" },
  "not-provisioned": { meaning: "No certificate or key stored", action: "Provision the board (aqm provision)" },
  "joining-wifi": { meaning: "Joining Wi-Fi", action: "Wait; if it lasts over a minute, check the access point and the stored Wi-Fi settings (log NW110)" },
  "waiting-for-time": {
    meaning: "Joined Wi-Fi; asking a time server for the time before connecting",
    action: "Wait; if it lasts over a minute, check that the network lets SNTP (UDP 123) out",
  },
  connecting: { meaning: "Connecting to IoT Core", action: "Wait; if it lasts over a minute, check the network" },
  online: { meaning: "Connected; readings are being delivered", action: "None" },
  "network-down": { meaning: "No network route to IoT Core; readings are kept in flash", action: "Check Wi-Fi and the router" },
  "broker-unreachable": { meaning: "IoT Core refused or did not answer; readings are kept in flash", action: "Check the endpoint setting and the service" },
  "tls-rejected": { meaning: "The certificate was refused (expired, revoked, or from an untrusted CA)", action: "Re-provision the certificate" },
  "not-authorised": { meaning: "Connected, but the policy does not allow this thing", action: "Check the IoT policy and the thing name" },
  "buffer-nearly-full": {
    meaning: "Offline, and the store of unsent readings is over 75 % full; when it is full the oldest are dropped (counted, log SM310)",
    action: "Restore the connection soon: see the MQ4xx line before it for why the board is offline",
  },
  "sensor-fault": {
    meaning: "A channel is faulty (no answer, bad data, frozen, out of range); its values are left out",
    action: "Find the SN200 log line: its code is in the fault table below",
  },
  anomaly: {
    meaning: "The board's own scorer flagged a reading in the last 10 minutes; readings are still delivered",
    action: "Find the AN800 log line: it names the channel; check that sensor and what is near it",
  },
  "firmware-update": {
    meaning: "A new firmware image is being received over the serial console; sampling and publishing go on",
    action: "Leave the cable connected until aqm update says done (log FW951), then reset the board",
  },
};

/** The one-page sheet in docs/technician-sheet.md, made from the firmware's own tables so it cannot drift. */
export function technicianSheet(): string {
  const lines = [
    "# Status LED and serial log: technician's sheet",
    "",
    "Generated from `firmware/status/LedPatterns.ts`, `firmware/log/EventCodes.ts` and `firmware/sampling/FaultCode.ts` by `npm run docs`. Do not edit by hand.",
    "",
    "## Status LED",
    "",
    "Each state has its own rhythm as well as its own colour, so the rhythm alone tells the states apart.",
    "",
    "| LED | rhythm | state | what it means | what to do |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const [state, pattern] of Object.entries(ledPatterns) as [keyof typeof ledPatterns, (typeof ledPatterns)[keyof typeof ledPatterns]][]) {
    lines.push(`| ${pattern.colour} | ${pattern.looks} | \`${state}\` | ${ledMeaning[state].meaning} | ${ledMeaning[state].action} |`);
  }
  lines.push(
    "",
    "## Serial log",
    "",
    "One line per event: `time level subsystem CODE message key=value …`, for example",
    "`2026-11-22T22:41:03.123Z WARN mqtt MQ411 Broker unreachable: it refused or did not answer reason=ECONNREFUSED`.",
    "",
    "| code | level | subsystem | what it means | what to do |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const [code, event] of Object.entries(eventCodes)) {
    lines.push(`| ${code} | ${event.level} | ${event.subsystem} | ${event.meaning} | ${event.action || "—"} |`);
  }
  lines.push(
    "",
    "## Channel fault codes",
    "",
    "A reading's `health` and the SN200 log line give each failed channel a code, for example",
    '`WARN sensor SN200 … channel=pm2_5_ugm3 code=checksum reason="PMS5003 frame checksum 0x0A12, expected 0x0A13"`.',
    "",
    "| code | what it means | what to do |",
    "| --- | --- | --- |",
  );
  for (const [code, fault] of Object.entries(FAULT_MEANINGS)) lines.push(`| \`${code}\` | ${fault.meaning} | ${fault.action} |`);
  return `${lines.join("\n")}\n`;
}
