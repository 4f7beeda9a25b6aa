/**
 * The stable codes that follow `fault:` in a reading's health, and how a driver's error text maps
 * to one. Drivers report free text through `onError`, as Moddable's do; the code is what the lake,
 * the LED logic and a technician's sheet key on, so each has one meaning here.
 */
interface FaultMeaning {
  readonly meaning: string;
  readonly action: string;
}

export const FAULT_MEANINGS = Object.freeze({
  nack: { meaning: "the part did not answer on its bus", action: "check that it is plugged in and powered; reseat the cable" },
  timeout: { meaning: "the part took the command but never produced a result", action: "power-cycle the board; replace the part if it recurs" },
  crc: { meaning: "a CRC did not match: the bytes were damaged on the bus", action: "check the cable length and connectors; keep it away from mains wiring" },
  checksum: { meaning: "a frame's checksum did not match", action: "check the UART cable and its connectors" },
  frame: { meaning: "a frame had the wrong length or was cut short", action: "check the UART cable; power-cycle the sensor" },
  "no-data": { meaning: "no frame or answer came during the interval", action: "check the sensor's cable and power" },
  zero: { meaning: "the particle sensor sends zeros: its laser or fan has failed", action: "power-cycle it; replace the PMS5003 if it recurs" },
  stuck: { meaning: "the same raw value for too long: the part is frozen", action: "power-cycle the board; replace the part if it recurs" },
  range: { meaning: "a value outside what the part can measure", action: "check the sensor; after a warm-up this means a fault" },
  saturated: { meaning: "the ADC input sits at the end of its range", action: "check the gas sensor board's supply and cable" },
  electrode: {
    meaning: "a gas sensor board output no working board gives: at ground (a short, or its supply lost) or at the supply rail (cable off)",
    action: "check the gas sensor board's cable and its 3.3 V supply",
  },
  uncalibrated: { meaning: "no valid calibration record for the gas sensors", action: "install the sensors' calibration record" },
  "no-temperature": { meaning: "gas readings need the temperature, which is missing", action: "fix the temperature sensor first" },
  no2: { meaning: "ozone is worked out from the NO2 reading, which is missing", action: "fix the NO2 channel first" },
  internal: { meaning: "the firmware hit an unexpected error while reading the part", action: "report it with the serial log" },
} as const satisfies Record<string, FaultMeaning>);

export type FaultCode = keyof typeof FAULT_MEANINGS;

/** Most specific first: "CRC" must win over the "failed" a wrapper might add. */
const patterns: readonly (readonly [RegExp, FaultCode])[] = [
  [/\bCRC\b/i, "crc"],
  [/checksum/i, "checksum"],
  [/saturat/i, "saturated"],
  [/every value zero/i, "zero"],
  [/no answer after|never (completed|finished|ready)|timed? ?out/i, "timeout"],
  [/length|truncated|cut short/i, "frame"],
  [/out of range|beyond/i, "range"],
  [/NACK|not acknowledged|failed|not sent|closed/i, "nack"],
];

/** The code for a driver's error text; a text this table does not know is a bus failure, the commonest cause. */
export function faultCodeOf(reason: string): FaultCode {
  for (const [pattern, code] of patterns) if (pattern.test(reason)) return code;
  return "nack";
}
