/**
 * npm run bench:xs — what one sampling cycle costs the firmware on the real XS engine.
 * Prints figures; asserts nothing. XS's operation count is deterministic, so it can be compared
 * across machines; wall times are given as a ratio against Node running the same bundle in the same run.
 */
import { VmBoard } from "../host-tools/board-sim/platform/VmBoard.ts";
import { LoopbackBroker } from "../host-tools/board-sim/network/LoopbackBroker.ts";
import { SyntheticAir } from "../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { simulatedBoard } from "../host-tools/board-sim/board/SimulatedBoard.ts";
import { XsBoard } from "../host-tools/board-sim/xs/XsBoard.ts";

const INTERVAL_MS = 60_000;
const READ_MS = 5_000;
const CYCLES = Number(process.argv[2] ?? 30);
/** The gas cells report nothing but "warming" for their first hour (B4_WARM_UP_MS); cycles are measured after it. */
const WARM_UP_MS = 61 * 60_000;

function board() {
  const air = new SyntheticAir(3);
  return simulatedBoard({
    thing: "aqm-bench",
    epochAtBoot: Date.UTC(2026, 10, 22),
    identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
    mqtt: new LoopbackBroker().connect,
    air: (t) => air.at(t),
    config: { sampleIntervalMs: INTERVAL_MS, readIntervalMs: READ_MS },
  });
}

const xsSim = board().sim;
const xs = await XsBoard.boot(xsSim);
await xs.advance(WARM_UP_MS);
/** Reads without a report: the 5 s reads between two readings. */
const readComputes: number[] = [];
for (let i = 0; i < INTERVAL_MS / READ_MS - 1; i++) readComputes.push((await xs.advance(READ_MS)).compute);
await xs.advance(READ_MS);
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
// The heap counts dead slots until a collection runs: what stays after gc() is what the firmware keeps.
const liveAfter = (await xs.evaluate("gc(); 0")).heapCount;
for (let i = 0; i < CYCLES; i++) await xs.advance(INTERVAL_MS);
const liveLater = (await xs.evaluate("gc(); 0")).heapCount;
await xs.close();

const node = await VmBoard.boot(board().sim);
node.advance(WARM_UP_MS + INTERVAL_MS);
const nodeStart = performance.now();
for (let i = 0; i < CYCLES; i++) node.advance(INTERVAL_MS);
const nodeMs = performance.now() - nodeStart;

const medianOf = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const sorted = [...computes].sort((a, b) => a - b);
const last = xsSim.console.filter((line) => line.split(" ")[3] === "SM300").at(-1) ?? "(no reading logged)";
console.log(
  `firmware sampling, after the gas cells' ${WARM_UP_MS / 60_000} min warm-up: every sensor read each ${READ_MS / 1000} s (SHT4x; PMS5003 active mode; two ADS1115 × 4 conversions for the CO, NO2, SO2 and OX cells, with AAN 803 temperature correction), averaged and published (QoS 1, loopback broker) each ${INTERVAL_MS / 1000} s`,
);
console.log(`last reading: ${last.slice(last.indexOf("seq="))}`);
console.log(
  `XS compute per read of all sensors (no report): median ${medianOf(readComputes)} operations, min ${Math.min(...readComputes)}, max ${Math.max(...readComputes)}`,
);
console.log(
  `XS compute per full ${INTERVAL_MS / 1000} s cycle (${INTERVAL_MS / READ_MS} reads + average + telemetry record + publish + LED): median ${medianOf(computes)} operations over ${CYCLES} cycles, min ${sorted[0]}, max ${sorted.at(-1)}`,
);
console.log(`XS heap: ${heaps[0]} slots after the first measured cycle, ${heaps.at(-1)} after the last, garbage included (no collection forced)`);
console.log(
  `XS live heap after gc(): ${liveAfter} slots, and ${liveLater} after ${CYCLES} more cycles (${((liveLater - liveAfter) / CYCLES).toFixed(2)} slots a cycle; the harness's own evaluate() of each advance keeps about one)`,
);
console.log(
  `host-port requests per cycle: ${(requests / CYCLES).toFixed(1)} (each one's JSON marshalling inside XS is part of the compute count; a device pays none of it)`,
);
console.log(`wall time: XS ${xsMs.toFixed(0)} ms, Node vm ${nodeMs.toFixed(0)} ms for the same cycles: XS/Node = ${(xsMs / nodeMs).toFixed(2)}`);
