import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { ChaosBroker } from "../../../host-tools/board-sim/network/ChaosBroker.ts";
import { SyntheticAir } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../../../host-tools/board-sim/board/SimulatedBoard.ts";

/**
 * Hours of board time through every delivery fault at once: broker restarts, handshakes reset,
 * connections cut mid-stream, PUBACKs lost, and the power cut during flash writes. At the end the
 * lake (what the broker received, deduplicated by boot and sequence) holds every reading the
 * board committed to flash: nothing lost, and duplicates only of the kind (boot, seq) removes.
 */

const MINUTE = 60_000;
const SAMPLE_MS = 10_000;
const EPOCH = Date.UTC(2026, 10, 22);

type Telemetry = { thing: string; boot: number; seq: number };

test(
  "broker restarts, reset handshakes, cut connections, lost PUBACKs and power cuts mid-write: every committed reading reaches the lake",
  { timeout: 120_000 },
  async () => {
    const chaos = new ChaosBroker(20261122);
    const air = new SyntheticAir(7);
    let sim = simulatedBoard({
      thing: "aqm-chaos",
      epochAtBoot: EPOCH,
      identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
      mqtt: chaos.connect,
      air: (t) => air.at(t),
      config: { sampleIntervalMs: SAMPLE_MS },
    });
    let board = await VmBoard.boot(sim.sim);
    let bootStartedAt = 0;
    let now = 0;
    /** Per boot: the highest sequence the board reached, and whether a power cut ended it mid-write. */
    const boots: { sequence: number; cutMidWrite: boolean }[] = [];
    let powerCuts = 0;

    const reboot = async (cutMidWrite: boolean) => {
      boots.push({ sequence: board.firmware.board.sequence, cutMidWrite });
      bootStartedAt = now;
      sim = simulatedBoard({
        thing: "aqm-chaos",
        epochAtBoot: EPOCH + now,
        mqtt: chaos.connect,
        air: (t) => air.at(t),
        config: { sampleIntervalMs: SAMPLE_MS },
        preferences: sim.sim.preferences,
        outboxFlash: sim.outboxFlash,
      });
      board = await VmBoard.boot(sim.sim);
    };

    const run = async (ms: number) => {
      const end = now + ms;
      while (now < end) {
        const step = Math.min(SAMPLE_MS, end - now);
        try {
          board.advance(step);
          now += step;
        } catch (error) {
          // The host port reports the simulated power loss to the firmware, which dies with it.
          if ((error as { code?: string }).code !== "power-lost") throw error;
          now = bootStartedAt + sim.sim.now;
          await reboot(true);
        }
      }
    };

    for (let round = 0; round < 36; round++) {
      const fault = Math.floor(chaos.random() * 6);
      if (fault === 0) chaos.down = true;
      else if (fault === 1) chaos.tlsFailure = true;
      else if (fault === 2) chaos.cutAfterWrites = 1 + Math.floor(chaos.random() * 6);
      else if (fault === 3) chaos.ackLoss = 0.3;
      else if (fault === 4) {
        sim.outboxFlash.cutPowerDuringNextWrite(Math.floor(chaos.random() * 700));
        powerCuts++;
      }
      await run(3 * MINUTE);
      chaos.down = false;
      chaos.ackLoss = 0;
      chaos.cutAfterWrites = undefined;
      await run(2 * MINUTE);
    }
    // Quiet at the end, long enough for the longest backoff (15 min after a reset handshake).
    await run(40 * MINUTE);
    boots.push({ sequence: board.firmware.board.sequence, cutMidWrite: false });

    const received = chaos.inner.readings<Telemetry>(/\/telemetry$/);
    const distinct = new Set(received.map((r) => `${r.boot}/${r.seq}`));
    let expected = 0;
    boots.forEach(({ sequence, cutMidWrite }, i) => {
      // The reading whose write the power cut was never committed, if the cut fell on its append.
      const committed = cutMidWrite && !distinct.has(`${i + 1}/${sequence}`) ? sequence - 1 : sequence;
      expected += committed;
      for (let seq = 1; seq <= committed; seq++) assert.ok(distinct.has(`${i + 1}/${seq}`), `boot ${i + 1} reading ${seq} never reached the lake`);
    });
    assert.equal(distinct.size, expected, "every committed reading, and no reading that was never taken");
    assert.ok(received.length >= distinct.size);
    assert.ok(
      chaos.counts.refused > 0 && chaos.counts.tlsFailures > 0 && chaos.counts.cuts > 0 && chaos.counts.acksLost > 0,
      `every fault happened: ${JSON.stringify(chaos.counts)}`,
    );
    assert.ok(powerCuts > 0 && boots.length > 1, `the power was cut (${powerCuts} armed, ${boots.length - 1} restarts)`);
    assert.ok(received.length > distinct.size, "lost PUBACKs made duplicates, which (boot, seq) removes");
    console.log(
      `delivery under faults: ${distinct.size} readings over ${boots.length} boots, ${received.length - distinct.size} duplicates removed, faults ${JSON.stringify(chaos.counts)}`,
    );
  },
);
