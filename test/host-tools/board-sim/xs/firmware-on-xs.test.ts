import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../../host-tools/board-sim/platform/VmBoard.ts";
import { LoopbackBroker } from "../../../../host-tools/board-sim/network/LoopbackBroker.ts";
import { SyntheticAir } from "../../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../../../../host-tools/board-sim/board/SimulatedBoard.ts";
import { XsBoard } from "../../../../host-tools/board-sim/xs/XsBoard.ts";

const INTERVAL_MS = 10_000;
const CYCLES = 8;

/** Two boards that differ in nothing but the engine that will run their firmware. */
function twin(config: Record<string, unknown> = {}) {
  const air = new SyntheticAir(7);
  const broker = new LoopbackBroker();
  const board = simulatedBoard({
    thing: "aqm-xs-check",
    epochAtBoot: Date.UTC(2026, 10, 22, 7, 0, 0),
    identity: { ca: Uint8Array.of(0x30, 1), certificate: Uint8Array.of(0x30, 2), key: Uint8Array.of(0x30, 3) },
    mqtt: broker.connect,
    air: (t) => air.at(t),
    config: { sampleIntervalMs: INTERVAL_MS, ...config },
  });
  return { broker, ...board };
}

const published = (broker: LoopbackBroker) => broker.publishes.map((p) => ({ topic: p.topic, id: p.id, payload: Buffer.from(p.payload).toString("hex") }));

test("the firmware boots on the real XS engine and publishes byte-identical telemetry to the same run under Node", { timeout: 120_000 }, async () => {
  const node = twin();
  const nodeBoard = await VmBoard.boot(node.sim);
  nodeBoard.advance(INTERVAL_MS * CYCLES);

  const xs = twin();
  const xsBoard = await XsBoard.boot(xs.sim);
  try {
    const warmUp = await xsBoard.advance(INTERVAL_MS * (CYCLES - 1));
    const requestsBefore = [...xs.sim.requestCounts.values()].reduce((a, b) => a + b, 0);
    const cycle = await xsBoard.advance(INTERVAL_MS);
    const requests = [...xs.sim.requestCounts.values()].reduce((a, b) => a + b, 0) - requestsBefore;
    assert.ok(Number.isInteger(cycle.compute) && cycle.compute > 0, "XS's meter counted the cycle");
    assert.ok(warmUp.compute > cycle.compute, "seven cycles cost more than one");

    assert.equal(xs.broker.json(/\/telemetry$/).length, CYCLES, "one telemetry message per sampling cycle on XS");
    assert.deepEqual(published(xs.broker), published(node.broker), "XS and Node publish the same bytes");
    assert.deepEqual(xs.sim.console, node.sim.console, "XS and Node write the same serial log");
    assert.ok(
      xs.sim.i2c(0).transactions.some((t) => t.address === 0x44 && t.direction === "read" && t.acked),
      "XS read the SHT4x over the bridge",
    );
    const last = xs.broker.json(/\/telemetry$/).at(-1)!;
    assert.equal(typeof last.temperature_c, "number");
    assert.equal(typeof last.pm2_5_ugm3, "number", "the PMS5003 frames reached the firmware on XS");

    // Figures, not assertions: XS counts operations deterministically, so the number is comparable across machines.
    console.log(
      `XS, one sampling cycle (${INTERVAL_MS / 1000} s of board time: SHT4x, PMS5003 frames, LED rhythm, MQTT publish): ` +
        `compute ${cycle.compute} operations, heap ${cycle.heapCount} slots, ${requests} host-port requests (their JSON marshalling inside XS is part of the count); ` +
        `boot ${xsBoard.bootMeter.compute} operations`,
    );
  } finally {
    await xsBoard.close();
  }
});

test("with a batch wait, XS and Node hold and batch the same readings and publish the same bytes", { timeout: 120_000 }, async () => {
  const config = { batchWaitMs: 30_000 };
  const node = twin(config);
  const nodeBoard = await VmBoard.boot(node.sim);
  nodeBoard.advance(INTERVAL_MS * CYCLES);
  const xs = twin(config);
  const xsBoard = await XsBoard.boot(xs.sim);
  try {
    await xsBoard.advance(INTERVAL_MS * CYCLES);
    const messages = xs.broker.json(/\/telemetry$/);
    assert.ok(
      messages.some((m) => Array.isArray(m.batch)),
      "readings waited and went as batches on XS",
    );
    assert.ok(messages.length < CYCLES, `${CYCLES} readings in ${messages.length} messages`);
    assert.deepEqual(published(xs.broker), published(node.broker), "XS and Node publish the same bytes");
  } finally {
    await xsBoard.close();
  }
});

test("XsBoard really runs XS: the engine's own globals are there and Node's are not", { timeout: 60_000 }, async () => {
  const board = twin();
  const xsBoard = await XsBoard.boot(board.sim);
  try {
    await xsBoard.evaluate(`trace("engine " + [typeof print, typeof process, typeof ArrayBuffer.fromString, typeof require].join(",") + "\\n")`);
    assert.equal(board.sim.console.at(-1), "engine function,undefined,function,undefined");
  } finally {
    await xsBoard.close();
  }
});
