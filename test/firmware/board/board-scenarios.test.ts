import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { LoopbackBroker } from "../../../host-tools/board-sim/network/LoopbackBroker.ts";
import { SyntheticAir } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { loopbackBoard, type LoopbackBoardOptions } from "./loopbackBoard.ts";

const IDENTITY = { ca: Uint8Array.of(0x30, 1), certificate: Uint8Array.of(0x30, 2), key: Uint8Array.of(0x30, 3) };
const LED = { red: 25, green: 26, blue: 27 };

function build(overrides: Partial<LoopbackBoardOptions> = {}) {
  return loopbackBoard({ thing: "aqm-scenario", epochAtBoot: Date.UTC(2026, 10, 22), identity: IDENTITY, air: new SyntheticAir(5), ...overrides });
}

const records = (broker: LoopbackBroker) => broker.readings<Record<string, unknown> & { seq: number; health: Record<string, string> }>(/\/telemetry$/);
const events = (lines: readonly string[], code: string) => lines.filter((line) => line.split(" ")[3] === code);

test("a board with no stored identity does not try to connect: it says so on the log and blinks blue slowly", async () => {
  const { sim, broker } = build({ identity: undefined });
  const board = await VmBoard.boot(sim);
  board.advance(10_000);
  assert.equal(broker.connections, 0);
  assert.match(events(sim.console, "BT110")[0] ?? "", /thing=aqm-scenario ca=false cert=false key=false$/);
  const blue = sim.pins.changes.filter((c) => c.pin === LED.blue).map((c) => [c.at, c.value]);
  assert.deepEqual(
    blue.slice(0, 4),
    [
      [0, 1],
      [1000, 0],
      [2000, 1],
      [3000, 0],
    ],
    "1 s on, 1 s off",
  );
  const ledPins: readonly number[] = Object.values(LED);
  assert.ok(
    sim.pins.changes.every((c) => !ledPins.includes(c.pin) || c.pin === LED.blue || c.value === 0),
    "no other colour lights",
  );
});

test("a bad build setting stops the boot with a CF120 line naming the setting", async () => {
  const { sim } = build({ config: { sampleIntervalMs: 5 } });
  await assert.rejects(VmBoard.boot(sim), /config\.sampleIntervalMs: expected an integer from 1000 to 3600000, got 5/);
  assert.match(events(sim.console, "CF120")[0] ?? "", /setting=sampleIntervalMs/);
});

test("online, the LED gives a short green flash every 3 s", async () => {
  const { sim } = build();
  const board = await VmBoard.boot(sim);
  board.advance(20_000);
  const green = sim.pins.changes.filter((c) => c.pin === LED.green && c.at >= 10_000);
  const rises = green.filter((c) => c.value === 1).map((c) => c.at);
  const falls = green.filter((c) => c.value === 0).map((c) => c.at);
  assert.ok(rises.length >= 3);
  // A read cycle blocks for about 80 ms (SHT4x measurement, eight ADS1115 conversions), and a flash due meanwhile waits for it.
  rises.slice(1).forEach((at, i) => assert.ok(at - rises[i]! >= 3000 && at - rises[i]! <= 3100, `one flash every 3 s, got ${at - rises[i]!} ms`));
  assert.equal(falls.find((at) => at > rises[0]!)! - rises[0]!, 100, "each flash lasts 100 ms");
});

test("an unplugged SHT4x leaves temperature and humidity out and says why, once; the other channels carry on; plugged back, it reads again", async () => {
  const { sim, broker, climate } = build();
  const board = await VmBoard.boot(sim);
  board.advance(35_000);
  sim.i2c(0).detach(0x44);
  board.advance(30_000);
  sim.i2c(0).attach(climate);
  board.advance(20_000);
  const all = records(broker);
  const unplugged = all.filter((r) => r.health.temperature_c !== "ok");
  // Readings every 10 s from two reads 5 s apart: the readings at 40 s and 70 s each had one good read, which is enough.
  assert.deepEqual(
    unplugged.map((r) => r.seq),
    [5, 6],
  );
  for (const r of unplugged) {
    assert.equal(r.temperature_c, undefined, "never a zero for a sensor that did not answer");
    assert.equal(r.humidity_pct, undefined);
    assert.equal(r.health.temperature_c, "fault:nack");
    assert.equal(r.health.humidity_pct, "fault:nack");
    assert.equal(r.health.pm2_5_ugm3, "ok");
    assert.equal(typeof r.pm2_5_ugm3, "number");
  }
  assert.equal(all.at(-1)!.health.temperature_c, "ok");
  assert.equal(typeof all.at(-1)!.temperature_c, "number");
  const faults = events(sim.console, "SN200").filter((line) => /channel=(temperature_c|humidity_pct)/.test(line));
  assert.equal(faults.length, 2, "reported once per channel when it fails, not every reading");
  assert.match(faults[0]!, /channel=temperature_c code=nack reason="SHT4x measurement failed: I2C write to 0x44: no acknowledge from 0x44"/);
  assert.equal(events(sim.console, "SN210").filter((line) => /channel=(temperature_c|humidity_pct) was=fault:nack/.test(line)).length, 2);
  const ledStates = events(sim.console, "LD500").map((line) => line.split("state=")[1]);
  assert.deepEqual(ledStates.slice(-2), ["sensor-fault", "online"]);
});

test("a rejected certificate gets one attempt, then the longest wait; readings queue meanwhile and all arrive, in order, once it is fixed", async () => {
  const { sim, broker } = build();
  broker.refuse = { code: "tls-rejected", message: "alert unknown ca" };
  const board = await VmBoard.boot(sim);
  board.advance(600_000);
  assert.equal(broker.connections, 1, "no tight retry loop on a rejected certificate");
  assert.match(events(sim.console, "MQ412")[0] ?? "", /reason="the TLS handshake failed: alert unknown ca"/);
  assert.match(events(sim.console, "MQ420")[0] ?? "", /retry_ms=900000/);
  assert.equal(
    events(sim.console, "LD500")
      .map((line) => line.split("state=")[1])
      .at(-1),
    "tls-rejected",
  );
  broker.refuse = undefined;
  board.advance(310_000);
  assert.equal(broker.connections, 2);
  const seqs = records(broker).map((r) => r.seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
    "every reading, in order, none lost",
  );
  assert.ok(seqs.length >= 90);
});

test("a day of board time: 1,440 readings at the one-minute interval, every one delivered", async () => {
  const { sim, broker } = build({ config: { sampleIntervalMs: 60_000 } });
  const board = await VmBoard.boot(sim);
  board.advance(86_400_000);
  const seqs = records(broker).map((r) => r.seq);
  assert.equal(seqs.length, 1440);
  assert.equal(new Set(seqs).size, 1440);
  assert.equal(board.firmware.board.sequence, 1440);
});

test("readings queued while the broker is unreachable survive a restart and are all delivered after it, in order", async () => {
  const air = new SyntheticAir(9);
  const broker = new LoopbackBroker();
  broker.refuse = { code: "broker-unreachable", message: "ECONNREFUSED" };
  const first = build({ broker, air });
  const before = await VmBoard.boot(first.sim);
  before.advance(60_000);
  assert.equal(broker.publishes.length, 0, "nothing got through");
  assert.equal(before.firmware.board.sequence, 6);

  // Power cycle: a new boot of the same board, on the same preferences and the same flash partition.
  broker.refuse = undefined;
  const second = build({
    broker,
    air,
    preferences: first.sim.preferences,
    outboxFlash: first.outboxFlash,
    epochAtBoot: Date.UTC(2026, 10, 22, 0, 5),
  });
  const after = await VmBoard.boot(second.sim);
  after.advance(30_000);
  assert.match(events(second.sim.console, "SF600")[0] ?? "", /pending=6 torn=0/);
  const delivered = records(broker).map((r) => `${r.boot}/${r.seq}`);
  assert.deepEqual(delivered, ["1/1", "1/2", "1/3", "1/4", "1/5", "1/6", "2/1", "2/2", "2/3"], "the first boot's readings first, then the new ones");
  const third = build({ broker, air, preferences: first.sim.preferences, outboxFlash: first.outboxFlash });
  await VmBoard.boot(third.sim);
  assert.equal(events(third.sim.console, "SF600").length, 0, "acknowledged readings are not sent again after the next restart");
});
