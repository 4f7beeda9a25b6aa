import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBoardConfig } from "../../../firmware/board/BoardConfig";
import { openConsoleUart } from "../../../firmware/console/ConsoleUart";
import { resolveManifest } from "../../../host-tools/board-sim/platform/BoardManifest.ts";

const manifest = resolveManifest("manifests/esp32-devkitc.json").config;

test("the I2C bus, console UART and DNS servers come from the board manifest, with the hz and baud the SDK requires", () => {
  const settings = parseBoardConfig(manifest);
  assert.deepEqual(settings.i2c, { port: 0, data: 21, clock: 22, hz: 100_000 });
  assert.deepEqual(settings.console, { port: 0, receive: 3, transmit: 1, baud: 115_200 });
  assert.notEqual(settings.debugConsole?.port, 0, "the debug build's console is not on the debugger's UART 0");
  assert.ok(settings.dnsServers.length > 0);
});

test("a manifest without I2C hz, console baud or DNS servers fails at boot naming the setting", () => {
  const i2c = manifest.i2c as Record<string, unknown>;
  const uart = manifest.console as Record<string, unknown>;
  const { hz: _hz, ...withoutHz } = i2c;
  const { baud: _baud, ...withoutBaud } = uart;
  assert.throws(() => parseBoardConfig({ ...manifest, i2c: withoutHz }), { message: /^config\.i2c\.hz: expected an integer/ });
  assert.throws(() => parseBoardConfig({ ...manifest, console: withoutBaud }), { message: /^config\.console\.baud: expected an integer/ });
  assert.throws(() => parseBoardConfig({ ...manifest, dnsServers: ["dns.example"] }), { message: /^config\.dnsServers: expected a list of one or more IPv4/ });
});

const uart = (port: number) => ({ port, receive: 3, transmit: 1, baud: 115_200 });

test("the console opens on its UART; where that is in use (a debug build's UART 0) it moves to the debug-build UART and says so", () => {
  const events: [string, Record<string, unknown> | undefined][] = [];
  const log = { event: (code: string, fields?: Record<string, unknown>) => void events.push([code, fields]) };
  const opened: number[] = [];
  const open = (settings: { port: number }) => {
    if (settings.port === 0) throw new RangeError("port in use");
    opened.push(settings.port);
  };
  assert.deepEqual(openConsoleUart({ open, console: uart(0), debugConsole: uart(1), onBytes: () => {}, log }), uart(1));
  assert.deepEqual(opened, [1]);
  assert.deepEqual(events, [["CN911", { port: 0, reason: "port in use", console: 1 }]]);

  events.length = 0;
  assert.equal(openConsoleUart({ open, console: uart(0), onBytes: () => {}, log }), undefined, "no debug console: the board runs on without one");
  assert.deepEqual(events, [["CN912", { port: 0, reason: "port in use" }]]);
});
