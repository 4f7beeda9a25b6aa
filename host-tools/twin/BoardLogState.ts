import type { LogEvent } from "../field/monitor/LogLineParser.ts";

/**
 * What the terminal view shows for one board, folded from the board's own serial log: the view
 * knows only what a technician with a serial cable would know.
 */
export class BoardLogState {
  readonly thing: string;
  led = "off";
  connection = "starting";
  lastProblem: string | undefined;
  lastReading: Readonly<Record<string, string>> | undefined;
  readings = 0;
  dropped = 0;
  unparsedLines = 0;

  constructor(thing: string) {
    this.thing = thing;
  }

  apply(event: LogEvent): void {
    switch (event.code) {
      case "LD500":
        this.led = event.fields.state ?? this.led;
        break;
      case "SM300":
        this.lastReading = event.fields;
        this.readings++;
        break;
      case "SM310":
        this.dropped++;
        break;
      case "MQ400":
        this.connection = "connecting";
        break;
      case "MQ401":
        this.connection = "online";
        this.lastProblem = undefined;
        break;
      case "MQ410":
      case "MQ411":
      case "MQ412":
      case "MQ413":
      case "MQ414":
      case "MQ415":
        this.connection = "offline";
        this.lastProblem = `${event.code} ${event.message}${event.fields.reason ? ` (${event.fields.reason})` : ""}`;
        break;
      case "BT110":
        this.connection = "not provisioned";
        this.lastProblem = `${event.code} ${event.message}`;
        break;
      default:
        break;
    }
  }
}
