import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { SyntheticAir } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { loopbackBoard } from "../board/loopbackBoard.ts";

test("offline, the board warns as its store fills (50, 75, 90 %), shows buffer-nearly-full from 75 %, counts every drop, and is back to online once the broker is", async () => {
  const board = loopbackBoard({
    thing: "aqm-offline",
    epochAtBoot: Date.UTC(2026, 10, 22),
    identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
    air: new SyntheticAir(3),
  });
  const { broker } = board;
  broker.refuse = { code: "broker-unreachable", message: "ECONNREFUSED" };
  const vm = await VmBoard.boot(board.sim);
  const lines = (code: string) => board.sim.console.filter((line) => line.split(" ")[3] === code);
  vm.advance(60 * 60_000);
  const percents = lines("SF630").map((line) => Number(/percent=(\d+)/.exec(line)![1]));
  assert.equal(percents.length, 3, "each level once");
  assert.ok(percents[0]! >= 50 && percents[0]! < 75 && percents[1]! >= 75 && percents[1]! < 90 && percents[2]! >= 90, `levels crossed: ${percents.join(", ")}`);
  const leds = lines("LD500").map((line) => line.split("state=")[1]);
  assert.equal(leds.at(-1), "buffer-nearly-full");
  assert.ok(leds.includes("broker-unreachable"), "before 75 % the LED says why the board is offline");
  const droppedBy = () => lines("SM310").reduce((sum, line) => sum + Number(/count=(\d+)/.exec(line)![1]), 0);
  assert.ok(droppedBy() > 0, "an hour offline at 10 s overflows the 64 KB store, and every drop is on the log");

  broker.refuse = undefined;
  vm.advance(20 * 60_000);
  assert.equal(lines("LD500").at(-1)!.split("state=")[1], "online");
  const dropped = droppedBy();
  assert.equal(Number(/total=(\d+)/.exec(lines("SM310").at(-1)!)![1]), dropped, "the running total agrees");
  const seqs = new Set(broker.readings<{ seq: number }>(/\/telemetry$/).map((r) => r.seq));
  assert.equal(seqs.size + dropped, vm.firmware.board.sequence, "every reading is delivered or counted as dropped");

  // The backlog went as batches, each within one 5 KB billing unit; the live readings after it alone.
  const sent = broker.publishes.filter((p) => p.topic.endsWith("/telemetry"));
  const batchSizes = sent.map((p) => (JSON.parse(new TextDecoder().decode(p.payload)) as { batch?: unknown[] }).batch?.length ?? 0).filter((n) => n > 0);
  const batched = batchSizes.reduce((sum, n) => sum + n, 0);
  assert.ok(batched > 100 && batched / batchSizes.length >= 10, `${batched} readings in ${batchSizes.length} batches (${batchSizes.join(", ")})`);
  assert.ok(
    sent.every((p) => p.payload.length <= 5_000),
    `largest message ${Math.max(...sent.map((p) => p.payload.length))} bytes`,
  );
  const last = JSON.parse(new TextDecoder().decode(sent.at(-1)!.payload)) as { seq?: number };
  assert.equal(last.seq, vm.firmware.board.sequence, "once caught up, a reading goes alone as it is taken");
});
