import { eventCodes, type EventCodeName, type Level } from "../../../firmware/log/EventCodes";

export interface LogEvent {
  readonly time: string;
  readonly level: Level;
  readonly subsystem: string;
  readonly code: EventCodeName;
  readonly message: string;
  readonly fields: Readonly<Record<string, string>>;
}

export class LogLineError extends Error {
  readonly line: string;

  constructor(line: string, problem: string) {
    super(`${problem}: ${JSON.stringify(line.slice(0, 120))}`);
    this.line = line;
  }
}

const LINE = /^(\S+) (DEBUG|INFO|WARN|ERROR) (\S+) ([A-Z]{2}\d{3}) (.*)$/;
const FIELD = /\s([A-Za-z0-9_]+)=("(?:[^"\\]|\\.)*"|\S+)/g;

/**
 * Reads one line of the board's serial log (the format firmware/log/SerialLog.ts writes) back
 * into its parts. The message of each code is known from the firmware's event table, so the
 * fields that follow it are found without guessing where the message ends.
 */
export function parseLogLine(line: string): LogEvent {
  const match = LINE.exec(line.trimEnd());
  if (!match) throw new LogLineError(line, "not a board log line");
  const [, time, level, subsystem, code, rest] = match as unknown as [string, string, Level, string, string, string];
  if (!(code in eventCodes)) throw new LogLineError(line, `unknown event code ${code}`);
  const known = eventCodes[code as EventCodeName];
  if (!rest.startsWith(known.meaning)) throw new LogLineError(line, `message does not match event ${code}`);
  const fields: Record<string, string> = {};
  const tail = rest.slice(known.meaning.length);
  for (let field = FIELD.exec(tail); field; field = FIELD.exec(tail)) {
    const raw = field[2]!;
    fields[field[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  FIELD.lastIndex = 0;
  return { time, level, subsystem, code: code as EventCodeName, message: known.meaning, fields };
}
