import type { PortEvent } from "./HostPort.ts";

/**
 * Routes what the host has ready (bytes on a UART, an edge on a pin, an MQTT packet) to the IO
 * object that owns it. IO objects register under a key such as "serial:2" or "mqtt:1".
 */
type Listener = (event: PortEvent) => void;

const listeners = new Map<string, Listener>();

export function eventKey(event: PortEvent): string {
  switch (event.kind) {
    case "serial":
      return `serial:${event.port}`;
    case "digital":
      return `digital:${event.pin}`;
    case "wifi":
      return "wifi";
    case "sntp":
      return `sntp:${event.host}`;
    default:
      return `mqtt:${event.handle}`;
  }
}

export function listen(key: string, listener: Listener): void {
  listeners.set(key, listener);
}

export function unlisten(key: string): void {
  listeners.delete(key);
}

export function dispatch(events: readonly PortEvent[]): void {
  for (const event of events) listeners.get(eventKey(event))?.(event);
}
