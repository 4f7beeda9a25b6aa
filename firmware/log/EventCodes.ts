/**
 * Every event the board writes to its serial log. Codes are stable: tools and technicians look
 * them up, so a code is never reused for another meaning.
 */
export type Level = "DEBUG" | "INFO" | "WARN" | "ERROR";

export interface EventCode {
  readonly level: Level;
  readonly subsystem: "boot" | "sensor" | "sample" | "mqtt" | "led" | "config" | "store" | "shadow" | "anomaly" | "network" | "console" | "update";
  /** What happened, in a technician's words. */
  readonly meaning: string;
  /** What to do about it; empty when nothing needs doing. */
  readonly action: string;
}

export const eventCodes = {
  BT100: { level: "INFO", subsystem: "boot", meaning: "Board started", action: "" },
  BT110: {
    level: "ERROR",
    subsystem: "boot",
    meaning: "Board is not provisioned (no certificate, key or CA stored)",
    action: "Provision the board: aqm provision",
  },
  CF120: { level: "ERROR", subsystem: "config", meaning: "Build configuration value is missing or invalid", action: "Rebuild with a valid manifest config" },
  CF130: { level: "INFO", subsystem: "config", meaning: "Gas sensor calibration loaded", action: "" },
  CF131: {
    level: "WARN",
    subsystem: "config",
    meaning: "No gas sensor calibration stored: gas readings are left out",
    action: "Install the calibration record: aqm calibration install",
  },
  CF132: {
    level: "ERROR",
    subsystem: "config",
    meaning: "The stored gas sensor calibration is invalid: gas readings are left out",
    action: "Install a valid calibration record: aqm calibration install",
  },
  CF133: {
    level: "WARN",
    subsystem: "config",
    meaning: "A new calibration record was rejected; the previous one stays in use",
    action: "Fix the field the log names and send the record again",
  },
  CF134: { level: "INFO", subsystem: "config", meaning: "A new gas sensor calibration was stored and is in use", action: "" },
  SN200: {
    level: "WARN",
    subsystem: "sensor",
    meaning: "A channel failed; its value is left out of the readings until it recovers",
    action: "See the fault code in the LED and fault table; check the sensor's cable and power",
  },
  SN210: { level: "INFO", subsystem: "sensor", meaning: "A channel that had failed reads correctly again", action: "" },
  SN220: { level: "INFO", subsystem: "sensor", meaning: "A sensor is warming up; its values are left out until it is ready", action: "" },
  SN221: { level: "INFO", subsystem: "sensor", meaning: "A sensor finished warming up and is reporting", action: "" },
  SM300: { level: "INFO", subsystem: "sample", meaning: "A reading was taken and queued for sending", action: "" },
  SM310: {
    level: "WARN",
    subsystem: "sample",
    meaning: "The store of unsent readings is full: the oldest were dropped (count this time, total since boot)",
    action: "Restore the connection; see the MQTT events before this one",
  },
  NW100: { level: "INFO", subsystem: "network", meaning: "Joining Wi-Fi", action: "" },
  NW101: { level: "INFO", subsystem: "network", meaning: "Wi-Fi joined; the network is ready", action: "" },
  NW110: {
    level: "WARN",
    subsystem: "network",
    meaning: "Wi-Fi not joined (refused, out of range, or dropped); retrying",
    action: "Check the access point is on and in range, and the stored SSID and password (serial console)",
  },
  NW120: { level: "INFO", subsystem: "network", meaning: "Asking a time server (SNTP) for the time; TLS waits for it", action: "" },
  NW121: { level: "INFO", subsystem: "network", meaning: "Clock set from SNTP", action: "" },
  NW130: {
    level: "WARN",
    subsystem: "network",
    meaning: "The time server did not answer; trying the next one",
    action: "Check the network lets SNTP (UDP 123) out",
  },
  NW140: {
    level: "ERROR",
    subsystem: "network",
    meaning: "No Wi-Fi settings stored: the board cannot go online",
    action: "Set the Wi-Fi SSID and password over the serial console",
  },
  SM320: {
    level: "INFO",
    subsystem: "sample",
    meaning: "The clock is not set yet: readings are stored with the unset clock's times and sent with corrected times once it is",
    action: "",
  },
  MQ400: { level: "INFO", subsystem: "mqtt", meaning: "Connecting to the broker", action: "" },
  MQ401: { level: "INFO", subsystem: "mqtt", meaning: "Connected to the broker", action: "" },
  MQ410: { level: "WARN", subsystem: "mqtt", meaning: "Network down: no route to the broker", action: "Check Wi-Fi and the router" },
  MQ411: {
    level: "WARN",
    subsystem: "mqtt",
    meaning: "Broker unreachable: it refused or did not answer",
    action:
      "Check the endpoint and that the broker runs; if other boards connect, check this board's certificate (a broker may cut a handshake it refuses without saying why)",
  },
  MQ412: {
    level: "ERROR",
    subsystem: "mqtt",
    meaning: "TLS rejected: the broker refused the board's certificate, or the board refused the broker's",
    action: "Re-provision the certificate; check it is active, not expired, and signed by the CA the broker trusts",
  },
  MQ413: {
    level: "ERROR",
    subsystem: "mqtt",
    meaning: "Not authorised: the broker refused this thing's connection or topic",
    action: "Check the IoT policy attached to the certificate and the thing name",
  },
  MQ414: { level: "WARN", subsystem: "mqtt", meaning: "Connection lost", action: "" },
  MQ415: { level: "ERROR", subsystem: "mqtt", meaning: "The broker sent something the board could not understand", action: "Report it with the log" },
  MQ420: { level: "INFO", subsystem: "mqtt", meaning: "Waiting before the next connection attempt", action: "" },
  SF630: {
    level: "WARN",
    subsystem: "store",
    meaning: "Offline, and the store of unsent readings is filling up",
    action: "Restore the connection before it is full; then the oldest readings are dropped",
  },
  SF600: { level: "INFO", subsystem: "store", meaning: "Readings kept in flash from before the restart will be sent", action: "" },
  SF610: {
    level: "WARN",
    subsystem: "store",
    meaning: "Flash store unavailable: readings are kept in RAM only and a restart loses unsent ones",
    action: "Check the partition table has the aqmlog partition",
  },
  SF620: { level: "WARN", subsystem: "store", meaning: "Records in flash were damaged and left out", action: "If it repeats, the flash may be wearing out" },
  SH700: { level: "INFO", subsystem: "shadow", meaning: "Settings from the cloud (Device Shadow) were applied", action: "" },
  SH710: {
    level: "WARN",
    subsystem: "shadow",
    meaning: "A setting from the cloud was rejected; the board keeps its current value",
    action: "Fix the desired value in the shadow; the reason is here and in the shadow's reported.rejected",
  },
  SH720: {
    level: "WARN",
    subsystem: "shadow",
    meaning: "The Device Shadow service refused the board's request",
    action: "Check the IoT policy allows the thing's shadow topics",
  },
  SH730: {
    level: "ERROR",
    subsystem: "shadow",
    meaning: "The broker refused the board's subscriptions: it cannot receive settings from the cloud",
    action: "Check the IoT policy's iot:Subscribe and iot:Receive for the thing's shadow topics",
  },
  AN800: {
    level: "WARN",
    subsystem: "anomaly",
    meaning: "The on-board scorer flagged a reading as anomalous; the channel is the one that scored highest",
    action: "Look at that channel's recent readings; check the sensor and its surroundings (a source nearby, a blocked inlet)",
  },
  LD500: { level: "INFO", subsystem: "led", meaning: "The status LED changed state", action: "See the LED table" },
  CN901: {
    level: "INFO",
    subsystem: "console",
    meaning: "Wi-Fi settings were changed over the serial console; used from the next start",
    action: "Restart the board",
  },
  CN902: {
    level: "INFO",
    subsystem: "console",
    meaning: "The IoT endpoint was changed over the serial console; used from the next start",
    action: "Restart the board",
  },
  CN903: {
    level: "INFO",
    subsystem: "console",
    meaning: "The thing name was changed over the serial console; used from the next start",
    action: "Restart the board; the certificate must be attached to the thing of this name",
  },
  CN904: {
    level: "INFO",
    subsystem: "console",
    meaning: "A TLS credential (CA certificate, client certificate or key) was checked and installed over the serial console; used from the next start",
    action: "Restart the board once the CA, certificate and key are all installed",
  },
  CN905: { level: "WARN", subsystem: "console", meaning: "The unsent readings were deleted over the serial console", action: "" },
  CN906: {
    level: "WARN",
    subsystem: "console",
    meaning: "Factory reset over the serial console: identity, Wi-Fi, thing name, endpoint, cloud settings and unsent readings erased",
    action: "Provision the board again: aqm provision",
  },
  CN907: { level: "INFO", subsystem: "console", meaning: "Sensor self-test run from the serial console: every sensor answered correctly", action: "" },
  CN908: {
    level: "WARN",
    subsystem: "console",
    meaning: "Sensor self-test run from the serial console: a sensor failed (its result names the fault)",
    action: "Check that sensor's cable and power; the fault codes are in the table below",
  },
  CN910: {
    level: "WARN",
    subsystem: "console",
    meaning: "Serial console input was refused (the code says why); nothing was changed",
    action: "See the console's ERR reply; docs/serial-console.md lists the codes",
  },
  CN911: {
    level: "WARN",
    subsystem: "console",
    meaning: "The console's UART is in use (a debug build's debugger holds UART 0 for xsbug): the console is on its debug-build UART",
    action: "Connect a 3.3 V USB-serial adapter to the debug console pins of the board manifest (config.debugConsole)",
  },
  CN912: {
    level: "ERROR",
    subsystem: "console",
    meaning: "The serial console could not open a UART: the board runs without a console",
    action: "Check config.console (and config.debugConsole for a debug build) in the board manifest",
  },
  FW950: {
    level: "INFO",
    subsystem: "update",
    meaning: "A firmware update started over the serial console; the LED shows firmware-update and the board keeps sampling",
    action: "",
  },
  FW951: {
    level: "INFO",
    subsystem: "update",
    meaning: "The new firmware was received whole, its CRC-32 matched and it was written to the OTA partition; it runs from the next start",
    action: "Reset the board (EN button or power) to start the new firmware",
  },
  FW952: {
    level: "WARN",
    subsystem: "update",
    meaning:
      "A firmware update was refused (the code says why: size, base64, CRC, not an ESP32 image, OTA partition); it was cancelled and the running firmware stays",
    action: "Check the image file and send it again: aqm update",
  },
  FW953: {
    level: "WARN",
    subsystem: "update",
    meaning: "A firmware update was abandoned (update abort, or no data for a minute); the running firmware stays",
    action: "Send the image again: aqm update",
  },
} as const satisfies Record<string, EventCode>;

export type EventCodeName = keyof typeof eventCodes;
