import assert from "node:assert/strict";
import { test } from "node:test";
import type { MqttConnectionEvents } from "../../../host-tools/board-sim/platform/MqttConnector.ts";
import { MqttOperation, type MqttOpenOptions } from "../../../host-tools/board-sim/platform/portable/HostPort.ts";
import { ConnectionGate } from "../../../host-tools/twin/ConnectionGate.ts";

const OPEN = { host: "localhost", port: 8883 } as unknown as MqttOpenOptions;

function quietEvents(log: string[], name: string): MqttConnectionEvents {
  return {
    onControl: (operation) => log.push(`${name} control ${operation}`),
    onMessage: () => undefined,
    onError: (code) => log.push(`${name} error ${code}`),
    onClose: () => log.push(`${name} close`),
  };
}

test("the gate lets `limit` connections open at once; a CONNACK, an error or a close lets the next waiting one through, its held writes then sent in order", () => {
  const gate = new ConnectionGate(2);
  const opened: { name: string; events: MqttConnectionEvents; writes: string[] }[] = [];
  const connector = gate.connector((_options, events) => {
    const entry = { name: `#${opened.length + 1}`, events, writes: [] as string[] };
    opened.push(entry);
    return { write: (data) => entry.writes.push(String.fromCharCode(...data)), close: () => entry.writes.push("closed") };
  });
  const log: string[] = [];
  const boards = ["a", "b", "c", "d"].map((name) => connector(OPEN, quietEvents(log, name)));
  assert.equal(opened.length, 2, "two handshakes under way, two boards waiting");
  assert.deepEqual([gate.inFlight, gate.waiting], [2, 2]);
  boards[2]!.write(Uint8Array.of(0x43), { operation: MqttOperation.CONNECT } as never);
  opened[0]!.events.onControl(MqttOperation.CONNACK, 0);
  assert.equal(opened.length, 3, "a's CONNACK lets c through");
  assert.deepEqual(opened[2]!.writes, ["C"], "c's write made while it waited is sent once it connects");
  assert.deepEqual(log, ["a control 2"], "the board still gets its CONNACK");
  boards[3]!.close();
  opened[1]!.events.onError("broker-unreachable", "reset");
  assert.equal(opened.length, 3, "d gave up its turn while waiting: it never connects");
  assert.deepEqual([gate.inFlight, gate.waiting], [1, 0]);
  opened[2]!.events.onClose();
  assert.equal(gate.inFlight, 0);
  assert.throws(() => new ConnectionGate(0), /from 1 through at once, not 0/);
});
