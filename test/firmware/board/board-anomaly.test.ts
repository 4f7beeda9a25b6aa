import assert from "node:assert/strict";
import { test } from "node:test";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import { LoopbackBroker } from "../../../host-tools/board-sim/network/LoopbackBroker.ts";
import type { AirSample } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import { NvsStore } from "../../../host-tools/board-sim/board/NvsStore.ts";
import { simulatedBoard } from "../../../host-tools/board-sim/board/SimulatedBoard.ts";
import { DEFAULT_SCORER_CONFIG } from "../../../firmware/anomaly/ScorerConfig";

const EPOCH = Date.UTC(2026, 10, 22);
const MINUTE = 60_000;
/** The CO spike: a gas heater lit next to the board for ten minutes, five hours in. */
const SPIKE_FROM = 300 * MINUTE;
const SPIKE_TO = 310 * MINUTE;
/**
 * The board's own default. This simulation's air is smooth, so its ordinary steps are as tall as
 * each channel's record step and the jump test grades them about 0.5, below the threshold; the
 * CO spike is thousands of records tall and grades close to 1.
 */
const THRESHOLD = DEFAULT_SCORER_CONFIG.threshold;

function air(epochMs: number): AirSample {
  const t = epochMs - EPOCH;
  const swing = Math.sin((2 * Math.PI * t) / (6 * 60 * MINUTE));
  const spike = t >= SPIKE_FROM && t < SPIKE_TO ? 1200 : 0;
  return {
    temperature: 21 + swing,
    humidity: 50 - 3 * swing,
    pm1: 8,
    pm2_5: 12 + swing,
    pm10: 20 + swing,
    co: 300 + 30 * swing + spike,
    no2: 20 + 3 * swing,
    so2: 5,
    o3: 30 + 4 * swing,
  };
}

test("the board scores every reading on board: a CO spike after warm-up is flagged on the log (AN800, channel co_ppb), carried in telemetry, and shown on the LED for ten minutes", async () => {
  const broker = new LoopbackBroker();
  const preferences = new NvsStore();
  preferences.set("aqm", "settings", JSON.stringify({ anomaly: DEFAULT_SCORER_CONFIG }));
  const board = simulatedBoard({
    preferences,
    thing: "aqm-anomaly",
    epochAtBoot: EPOCH,
    identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
    mqtt: broker.connect,
    air,
    config: { sampleIntervalMs: MINUTE },
  });
  const vm = await VmBoard.boot(board.sim);
  vm.advance(SPIKE_TO + 30 * MINUTE);
  const readings = broker.readings<{ seq: number; ts: number; anomaly?: number }>(/\/telemetry$/);
  assert.ok(
    readings.every((r) => typeof r.anomaly === "number" && r.anomaly >= 0 && r.anomaly < 1),
    "every reading carries its score",
  );
  const flags = board.sim.console.filter((line) => line.split(" ")[3] === "AN800");
  assert.ok(flags.length >= 1, "the spike is flagged");
  const flaggedAt = (line: string) => Date.parse(line.split(" ")[0]!) - EPOCH;
  // The board's clock comes from SNTP in whole seconds, so its log times may run up to a second behind.
  assert.ok(
    flags.every((line) => flaggedAt(line) > SPIKE_FROM - 1000 && flaggedAt(line) <= SPIKE_TO + MINUTE),
    `only the spike is flagged: ${flags.join("\n")}`,
  );
  assert.match(flags[0]!, /channel=co_ppb/);
  const flaggedSeq = Number(/seq=(\d+)/.exec(flags[0]!)![1]);
  assert.ok(readings.find((r) => r.seq === flaggedSeq)!.anomaly! >= THRESHOLD, "the telemetry record carries the flagging score");
  const led = board.sim.console.filter((line) => line.split(" ")[3] === "LD500").map((line) => [flaggedAt(line), line.split("state=")[1]] as const);
  // The spike's rise (over one or two samples, as the readings average in) and its fall are jumps,
  // so several may be flagged; the LED shows anomaly from each flag until ten minutes after the last.
  const stateAt = (at: number) => led.filter(([when]) => when <= at).at(-1)?.[1];
  for (const flag of flags) assert.equal(stateAt(flaggedAt(flag)), "anomaly", `the LED shows the flag at ${flag.split(" ")[0]}`);
  const last = flaggedAt(flags.at(-1)!);
  const back = led.find(([at, state]) => at > last && state !== "anomaly");
  assert.deepEqual(back, [last + 10 * MINUTE, "online"], `the LED goes back to online ten minutes after the last flag: ${JSON.stringify(led)}`);
});
