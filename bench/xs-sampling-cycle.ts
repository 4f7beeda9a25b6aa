/**
 * npm run bench:xs — what one sampling cycle costs the firmware on the real XS engine.
 * Prints figures; asserts nothing. XS's operation count is deterministic, so it can be compared
 * across machines; wall times are given as a ratio against Node running the same bundle in the same run.
 */
import { VmBoard } from "../host-tools/platform/VmBoard.ts";
import { LoopbackBroker } from "../host-tools/sim/LoopbackBroker.ts";
import { SyntheticAir } from "../host-tools/sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../host-tools/sim/SimulatedBoard.ts";
import { XsBoard } from "../host-tools/xs/XsBoard.ts";

const INTERVAL_MS = 60_000;
const CYCLES = Number(process.argv[2] ?? 30);

function board() {
  const air = new SyntheticAir(3);
  return simulatedBoard({
    thing: "aqm-bench",
    epochAtBoot: Date.UTC(2026, 10, 22),
    identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
    mqtt: new LoopbackBroker().connect,
    air: (t) => air.at(t),
    config: { sampleIntervalMs: INTERVAL_MS },
  });
}

const xsSim = board().sim;
const xs = await XsBoard.boot(xsSim);
const computes: number[] = [];
const heaps: number[] = [];
let requests = 0;
const xsStart = performance.now();
for (let i = 0; i < CYCLES; i++) {
  const before = [...xsSim.requestCounts.values()].reduce((a, b) => a + b, 0);
  const meter = await xs.advance(INTERVAL_MS);
  requests += [...xsSim.requestCounts.values()].reduce((a, b) => a + b, 0) - before;
  computes.push(meter.compute);
  heaps.push(meter.heapCount);
}
const xsMs = performance.now() - xsStart;
await xs.close();

const node = await VmBoard.boot(board().sim);
const nodeStart = performance.now();
for (let i = 0; i < CYCLES; i++) node.advance(INTERVAL_MS);
const nodeMs = performance.now() - nodeStart;

const sorted = [...computes].slice(2).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
console.log(`firmware sampling cycle, ${CYCLES} cycles of ${INTERVAL_MS / 1000} s board time (SHT4x + PMS5003 active mode + LED + QoS 1 publish to a loopback broker)`);
console.log(`XS compute per cycle: median ${median} operations (first two cycles, PMS5003 warm-up, excluded), min ${sorted[0]}, max ${sorted.at(-1)}`);
console.log(`XS heap after the last cycle: ${heaps.at(-1)} slots`);
console.log(`host-port requests per cycle: ${(requests / CYCLES).toFixed(1)} (each one's JSON marshalling inside XS is part of the compute count; a device pays none of it)`);
console.log(`wall time: XS ${xsMs.toFixed(0)} ms, Node vm ${nodeMs.toFixed(0)} ms for the same cycles: XS/Node = ${(xsMs / nodeMs).toFixed(2)}`);
