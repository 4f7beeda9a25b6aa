import assert from "node:assert/strict";
import { test } from "node:test";
import type { HostPort, PortReply, PortRequest } from "../../../../host-tools/board-sim/platform/portable/HostPort.ts";
import Serial from "../../../../host-tools/board-sim/platform/portable/Serial.ts";

// A process of its own: which UARTs a board's debugger holds is read once per board, at its first Serial.
test("point 9: in a debug build UART 0 carries xsbug, so opening the console there is port in use; UART 1 opens", () => {
  const host: HostPort = {
    request: (request: PortRequest): PortReply =>
      request.op === "config" ? { ok: true, value: JSON.stringify({ config: {}, epochAtBoot: 0, build: "debug" }) } : { ok: true },
  };
  (globalThis as unknown as { aqmHostPort: HostPort }).aqmHostPort = host;
  assert.throws(() => new Serial({ port: 0, receive: 3, transmit: 1, baud: 115_200 }), { name: "RangeError", message: "port in use" });
  new Serial({ port: 1, receive: 32, transmit: 33, baud: 115_200 }).close();
});
