import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ShadowService } from "../../../../host-tools/local-cloud/iot-core/ShadowService.ts";
import { VmBoard } from "../../../../host-tools/board-sim/platform/VmBoard.ts";
import { LoopbackBroker } from "../../../../host-tools/board-sim/network/LoopbackBroker.ts";
import type { BoardHardware } from "../../../../host-tools/board-sim/board/BoardHardware.ts";
import { SyntheticAir } from "../../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../../../../host-tools/board-sim/board/SimulatedBoard.ts";

/**
 * The board's firmware Device Shadow client against the local shadow service, joined by a
 * loopback broker: what the cloud side sets as desired reaches the board, takes effect, and is
 * reported back until the document has no delta.
 */

const THING = "aqm-shadow-e2e";
const SHADOW = `$aws/things/${THING}/shadow`;
const EPOCH = Date.UTC(2026, 10, 22);
const IDENTITY = { ca: Uint8Array.of(0x30, 1), certificate: Uint8Array.of(0x30, 2), key: Uint8Array.of(0x30, 3) };

/** A shadow service on `stateDir` behind a loopback broker, and a simulated board connected to it. */
function rig(stateDir: string) {
  const broker = new LoopbackBroker();
  let sim: BoardHardware | undefined;
  const published: { topic: string; body: Record<string, unknown> }[] = [];
  const service = new ShadowService({
    stateDir,
    // The service answers as the IoT Core: the broker hands it to the board if the board subscribed.
    publish: (topic, payload) => {
      published.push({ topic, body: JSON.parse(payload) as Record<string, unknown> });
      broker.deliver(topic, payload);
    },
    now: () => EPOCH + (sim?.now ?? 0),
  });
  broker.onPublish = (publish) => service.message(publish.clientId, publish.topic, publish.payload);
  const air = new SyntheticAir(4);
  const board = simulatedBoard({
    thing: THING,
    epochAtBoot: EPOCH,
    identity: IDENTITY,
    mqtt: broker.connect,
    air: (t) => air.at(t),
    config: { sampleIntervalMs: 10_000 },
  });
  sim = board.sim;
  const on = (suffix: string) => published.filter((m) => m.topic === `${SHADOW}/${suffix}`).map((m) => m.body);
  const telemetry = () => broker.json<{ ts: number; interval_s: number }>(/\/telemetry$/);
  return { service, broker, sim: board.sim, on, telemetry };
}

test("a fresh board creates its shadow with its first report; desired set by the cloud side reaches it as a delta, is applied and reported back, and the delta clears", async () => {
  const { service, sim, on, telemetry } = rig(mkdtempSync(path.join(tmpdir(), "aqm-shadow-e2e-")));
  const board = await VmBoard.boot(sim);
  board.advance(3_000);
  assert.equal(on("get/rejected")[0]?.code, 404, "no shadow yet");
  const created = service.get(THING)!;
  assert.equal(created.state.reported?.sampleIntervalMs, 10_000);
  assert.equal(created.state.reported?.firmware, "0.1.0");
  assert.equal(created.state.desired, undefined);

  board.advance(22_000);
  const before = telemetry().length;
  const desired = service.updateDesired(THING, { sampleIntervalMs: 30_000, anomaly: { threshold: 0.42 } });
  assert.deepEqual(desired.state.delta, { sampleIntervalMs: 30_000, anomaly: { threshold: 0.42 } });
  board.advance(1);

  const document = service.get(THING)!;
  assert.equal(document.state.delta, undefined, "the board applied both fields and reported them");
  assert.equal(document.state.reported?.sampleIntervalMs, 30_000);
  assert.equal((document.state.reported?.anomaly as { threshold: number }).threshold, 0.42);
  assert.equal(document.state.reported?.rejected, undefined, "nothing refused (the board's null removed the field)");
  assert.ok(document.version > desired.version);
  assert.deepEqual(on("update/rejected"), [], "the service accepted every report the board sent");
  assert.equal(on("update/delta").length, 1, "one delta, for the one change");

  board.advance(90_000);
  const after = telemetry().slice(before + 1);
  assert.deepEqual(
    after.map((r) => r.interval_s),
    [30, 30, 30],
    "sampling follows the interval the cloud set",
  );
});

test("desired set while the board is away is kept across a service restart and applied from get/accepted when the board connects", async () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), "aqm-shadow-e2e-"));
  const cloud = new ShadowService({ stateDir, publish: () => {}, now: () => EPOCH });
  assert.equal(cloud.updateDesired(THING, { sampleIntervalMs: 60_000 }).version, 1);

  const { service, sim, on } = rig(stateDir);
  const board = await VmBoard.boot(sim);
  board.advance(3_000);
  assert.deepEqual(on("get/accepted")[0]?.state, { desired: { sampleIntervalMs: 60_000 }, delta: { sampleIntervalMs: 60_000 } });
  const document = service.get(THING)!;
  assert.equal(document.state.reported?.sampleIntervalMs, 60_000);
  assert.equal(document.state.delta, undefined);
  assert.equal(document.version, 2, "one report, made after applying the delta");
});

test("a desired value the board refuses is reported once with the reason, not refused again on every delta the service resends", async () => {
  const { service, sim, on } = rig(mkdtempSync(path.join(tmpdir(), "aqm-shadow-e2e-")));
  const board = await VmBoard.boot(sim);
  board.advance(25_000);
  const reportsBefore = service.get(THING)!.version;
  service.updateDesired(THING, { sampleIntervalMs: 27_000 });
  board.advance(5_000);
  const document = service.get(THING)!;
  assert.match(String((document.state.reported?.rejected as Record<string, string>).sampleIntervalMs), /27000|5000/, "the reason is in the reported state");
  assert.equal(document.state.reported?.sampleIntervalMs, 10_000, "the old interval stays");
  assert.ok(on("update/delta").length <= 3, `the service's resends die out: ${on("update/delta").length} deltas`);
  assert.ok(document.version - reportsBefore <= 4, `a handful of updates, not a loop: ${document.version - reportsBefore}`);

  service.updateDesired(THING, { sampleIntervalMs: 30_000 });
  board.advance(1);
  const fixed = service.get(THING)!;
  assert.equal(fixed.state.reported?.sampleIntervalMs, 30_000, "a new value is tried");
  assert.equal(fixed.state.reported?.rejected, undefined, "and its acceptance clears the rejection");
});
