import { eventCodes, type EventCodeName } from "./EventCodes";

export type FieldValue = string | number | boolean | undefined;

/**
 * One line per event, for a person and a program alike:
 * `2026-11-22T22:41:03.123Z INFO mqtt MQ401 Connected to the broker host=localhost port=8883`.
 * Values with spaces or quotes are quoted; a field whose value is undefined is left out.
 */
export function formatLogLine(epochMs: number, code: EventCodeName, fields: Readonly<Record<string, FieldValue>>): string {
  const event = eventCodes[code];
  let line = `${new Date(epochMs).toISOString()} ${event.level} ${event.subsystem} ${code} ${event.meaning}`;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** What a component needs of the log: SerialLog on the board, a recorder in tests. */
export interface EventLog {
  event(code: EventCodeName, fields?: Readonly<Record<string, FieldValue>>): void;
}

/** Writes log lines to the serial console through an injected sink (Moddable's `trace` on the device). */
export class SerialLog implements EventLog {
  readonly #write: (text: string) => void;
  readonly #now: () => number;

  constructor(options: { write: (text: string) => void; now: () => number }) {
    this.#write = options.write;
    this.#now = options.now;
  }

  event(code: EventCodeName, fields: Readonly<Record<string, FieldValue>> = {}): void {
    this.#write(formatLogLine(this.#now(), code, fields) + "\n");
  }
}
