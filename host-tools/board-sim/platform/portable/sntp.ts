import { listen, unlisten } from "./EventDispatch.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

/**
 * Moddable's `sntp` module for a simulated board: one query to the host's simulated time server,
 * answered in board time with SNTP.time and the seconds since the epoch, or SNTP.error.
 */
export default class SNTP {
  static readonly time = 1;
  static readonly retry = 2;
  static readonly error = -1;

  constructor(options: { host: string }, callback: (message: number, value?: number) => void) {
    const key = `sntp:${options.host}`;
    listen(key, (event) => {
      if (event.kind !== "sntp") return;
      unlisten(key);
      if (event.time === null) callback(SNTP.error);
      else callback(SNTP.time, event.time);
    });
    expectOk(hostPort().request({ op: "sntp.query", host: options.host }), `SNTP query to ${options.host}`);
  }
}
