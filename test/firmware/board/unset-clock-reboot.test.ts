import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { SyntheticAir } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { loopbackBoard } from "./loopbackBoard.ts";

const EPOCH = Date.UTC(2026, 10, 22, 8);
const IDENTITY = { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) };
type Telemetry = { boot: number; seq: number; ts: number };

test("readings taken before SNTP answered survive a restart before it does: each is published once, before the next power-on, 10 s apart", async () => {
  const air = new SyntheticAir(11);
  const first = loopbackBoard({ thing: "aqm-clock", epochAtBoot: EPOCH, identity: IDENTITY, air });
  first.network.sntpUp = false;
  const before = await VmBoard.boot(first.sim);
  before.advance(35_000);
  assert.equal(before.firmware.board.sequence, 3, "three readings on the unset clock");
  assert.equal(first.broker.readings(/\/telemetry$/).length, 0, "nothing went out before the clock was set");

  // Power off for 60 s, then on again on the same NVS and flash; this time SNTP answers.
  const poweredOnAt = EPOCH + 35_000 + 60_000;
  const second = loopbackBoard({
    thing: "aqm-clock",
    epochAtBoot: poweredOnAt,
    air,
    broker: first.broker,
    preferences: first.sim.preferences,
    outboxFlash: first.outboxFlash,
  });
  const after = await VmBoard.boot(second.sim);
  after.advance(40_000);

  const readings = first.broker.readings<Telemetry>(/\/telemetry$/);
  const earlier = readings.filter((r) => r.boot === 1);
  assert.deepEqual(
    earlier.map((r) => r.seq),
    [1, 2, 3],
    "every reading of the first boot, each once",
  );
  earlier.forEach((r) =>
    assert.ok(r.ts < poweredOnAt && r.ts > EPOCH, `reading ${r.seq} at ${new Date(r.ts).toISOString()}: taken while powered, before the restart`),
  );
  assert.deepEqual(
    earlier.slice(1).map((r, i) => r.ts - earlier[i]!.ts),
    [10_000, 10_000],
    "their spacing is kept",
  );
  // The second boot's own readings have exact times: 10 s, 20 s, 30 s after its power-on, to SNTP's second.
  const own = readings.filter((r) => r.boot === 2).slice(0, 3);
  own.forEach((r, i) => assert.ok(Math.abs(r.ts - (poweredOnAt + (i + 1) * 10_000)) < 1_100, `boot 2 reading ${r.seq} at ${new Date(r.ts).toISOString()}`));
});
