import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { SyntheticAir } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { loopbackBoard, type LoopbackBoardOptions } from "../board/loopbackBoard.ts";

const EPOCH = Date.UTC(2026, 10, 22, 8);
const IDENTITY = { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) };

function build(overrides: Partial<LoopbackBoardOptions> = {}) {
  const board = loopbackBoard({ thing: "aqm-net", epochAtBoot: EPOCH, identity: IDENTITY, air: new SyntheticAir(11), ...overrides });
  const lines = (code: string) => board.sim.console.filter((line) => line.split(" ")[3] === code);
  const leds = () => board.sim.console.filter((line) => line.split(" ")[3] === "LD500").map((line) => line.split("state=")[1]);
  const telemetry = () => board.broker.readings<{ seq: number; ts: number }>(/\/telemetry$/);
  return { lines, leds, telemetry, ...board };
}

test("boot: Wi-Fi first, then the time, then TLS; the LED says which, and nothing connects before the clock is set", async () => {
  const { sim, broker, lines, leds } = build();
  const board = await VmBoard.boot(sim);
  board.advance(1_000);
  assert.equal(broker.connections, 0, "no TLS before Wi-Fi and time");
  board.advance(9_000);
  assert.deepEqual(leds().slice(0, 5), ["booting", "joining-wifi", "waiting-for-time", "connecting", "online"]);
  assert.match(lines("NW100")[0] ?? "", /ssid=aqm-lab/);
  assert.match(lines("NW121")[0] ?? "", /^2026-11-22T08:00:02\.000Z .* host=pool\.ntp\.org step_ms=\d+/);
  assert.ok(lines("NW100")[0]!.startsWith("1970-01-01T"), "before SNTP the clock is the ESP32's, near the epoch");
  assert.ok(!sim.console.join("\n").includes("sim-lab-passphrase"), "the Wi-Fi password never reaches the log");
});

test("readings taken before the time is known are held, then sent with their true timestamps", async () => {
  const { sim, network, telemetry, lines } = build();
  network.sntpUp = false;
  const board = await VmBoard.boot(sim);
  board.advance(35_000);
  assert.equal(telemetry().length, 0, "nothing goes out with a 1970 timestamp");
  assert.equal(lines("SM320").length, 1);
  assert.ok(lines("NW130").length >= 1, "the time server's silence is on the log");
  network.sntpUp = true;
  board.advance(40_000);
  const readings = telemetry();
  assert.deepEqual(
    readings.slice(0, 3).map((r) => r.seq),
    [1, 2, 3],
  );
  // Board time 10 s, 20 s, 30 s after power-on, to SNTP's whole second.
  readings.slice(0, 3).forEach((r, i) => assert.ok(Math.abs(r.ts - (EPOCH + (i + 1) * 10_000)) < 1_100, `reading ${r.seq} at ${new Date(r.ts).toISOString()}`));
});

test("no Wi-Fi settings: the board says so (NW140), shows not-provisioned, and keeps sampling into its store", async () => {
  const { sim, lines, leds, broker } = build({ wifi: null });
  const board = await VmBoard.boot(sim);
  board.advance(30_000);
  assert.equal(lines("NW140").length, 1);
  assert.equal(leds().at(-1), "not-provisioned");
  assert.equal(broker.connections, 0);
  assert.equal(board.firmware.board.sequence, 3);
});

test("a wrong password is retried with a growing wait, never a tight loop", async () => {
  const { sim, lines } = build({ wifi: { ssid: "aqm-lab", password: "wrong" } });
  const board = await VmBoard.boot(sim);
  board.advance(10 * 60_000);
  const waits = lines("NW110").map((line) => Number(/retry_ms=(\d+)/.exec(line)![1]));
  assert.deepEqual(waits.slice(0, 5), [5_000, 10_000, 20_000, 40_000, 80_000]);
  assert.ok(waits.length <= 9, `${waits.length} attempts in ten minutes`);
});

test("the access point goes away for five minutes: the connection drops as network-down, the board rejoins and reconnects at once, and every reading arrives", async () => {
  const { sim, lines, telemetry, leds } = build();
  const board = await VmBoard.boot(sim);
  board.advance(60_000);
  sim.dropWifi();
  board.advance(5 * 60_000);
  assert.ok(lines("MQ410").length >= 1, "network down on the log");
  assert.ok(leds().includes("joining-wifi"));
  sim.restoreWifi();
  board.advance(3 * 60_000);
  const seqs = telemetry().map((r) => r.seq);
  assert.equal(new Set(seqs).size, board.firmware.board.sequence, "every reading taken arrived");
  assert.equal(lines("NW121").length, 1, "the clock was already set: no second SNTP");
  const at = (line: string) => Date.parse(line.split(" ")[0]!);
  const rejoined = lines("NW101").at(-1)!;
  const reconnected = lines("MQ401").find((line) => at(line) >= at(rejoined))!;
  assert.ok(at(reconnected) - at(rejoined) < 1_000, "the session does not sit out its backoff once the network is back");
  assert.equal(leds().at(-1), "online");
});
