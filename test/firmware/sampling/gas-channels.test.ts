import assert from "node:assert/strict";
import { test } from "node:test";
import { B4_WARM_UP_MS } from "../../../firmware/gas/AlphasenseB4";
import { FaultLatch } from "../../../firmware/sampling/FaultLatch";
import { GasChannels, type GasAdc } from "../../../firmware/sampling/GasChannels";
import { AlphasenseB4Model, SIMULATED_CALIBRATION } from "../../../host-tools/board-sim/models/AlphasenseB4Model.ts";

const WARM = B4_WARM_UP_MS["CO-B4"];
const AIR = { co: 300, no2: 20, so2: 5, o3: 30 };
const TEMPERATURE_C = 20;

/** Two ADCs answering in mV, as the driver does, for the simulated cells at AIR, with any input overridden. */
function gasChannels(overrides: { adc: 0 | 1; input: 0 | 1 | 2 | 3; mv: number }[] = []) {
  const cell = (slot: "co" | "no2" | "so2" | "ox") => new AlphasenseB4Model({ calibration: SIMULATED_CALIBRATION[slot], poweredAt: -10 * WARM });
  const pair = (model: AlphasenseB4Model, ppb: number, no2?: number) => {
    const { weMv, aeMv } = model.electrodes(ppb, TEMPERATURE_C, 0, no2);
    return [weMv, aeMv];
  };
  const inputs = [
    [...pair(cell("co"), AIR.co), ...pair(cell("no2"), AIR.no2)],
    [...pair(cell("so2"), AIR.so2), ...pair(cell("ox"), AIR.o3, AIR.no2)],
  ];
  for (const { adc, input, mv } of overrides) inputs[adc]![input] = mv;
  const adc = (index: 0 | 1): GasAdc => ({ readMillivolts: (input) => inputs[index]![input] });
  return new GasChannels({ adcs: [adc(0), adc(1)], errors: [new FaultLatch(), new FaultLatch()], calibration: SIMULATED_CALIBRATION });
}

const near = (read: unknown, ppb: number) => {
  assert.ok(read !== null && typeof read === "object" && "value" in read, JSON.stringify(read));
  assert.ok(Math.abs((read as { value: number }).value - ppb) < 0.01, JSON.stringify(read));
};

test("the simulated cells' electrode voltages convert back to the air they were made from", () => {
  const reads = gasChannels().read(WARM, TEMPERATURE_C);
  near(reads.co_ppb, AIR.co);
  near(reads.no2_ppb, AIR.no2);
  near(reads.so2_ppb, AIR.so2);
  near(reads.o3_ppb, AIR.o3);
});

test("an electrode at ground or at the rail is a fault naming the electrode, its voltage and the likely cause, never a value", () => {
  // CO's working electrode at 5 mV: on its own it would convert to about −800 ppb, or with AE at 0 V too to a believable level.
  assert.deepEqual(gasChannels([{ adc: 0, input: 0, mv: 5 }]).read(WARM, TEMPERATURE_C).co_ppb, {
    fault: "electrode",
    reason: "CO-B4 working electrode at 5.0 mV, outside the ISB's 20…3200 mV: a short to ground or a lost ISB supply",
  });
  const shorted = gasChannels([
    { adc: 0, input: 2, mv: 0 },
    { adc: 0, input: 3, mv: 0 },
  ]).read(WARM, TEMPERATURE_C);
  assert.deepEqual(shorted.no2_ppb, {
    fault: "electrode",
    reason: "NO2-B43F working electrode at 0.0 mV, outside the ISB's 20…3200 mV: a short to ground or a lost ISB supply",
  });
  // Ozone needs NO2, so it goes with it; the other gases are untouched.
  assert.deepEqual(shorted.o3_ppb, { fault: "no2", reason: "ozone needs the NO2 reading, which is missing" });
  near(shorted.co_ppb, AIR.co);
  near(shorted.so2_ppb, AIR.so2);
  assert.deepEqual(gasChannels([{ adc: 1, input: 1, mv: 3300 }]).read(WARM, TEMPERATURE_C).so2_ppb, {
    fault: "electrode",
    reason: "SO2-B4 auxiliary electrode at 3300.0 mV, outside the ISB's 20…3200 mV: an open input, pulled up to the rail",
  });
});

test("the check starts with the cells' warm-up, when an electrode may still be settling far from its zero", () => {
  const channels = gasChannels([{ adc: 0, input: 0, mv: 0 }]);
  assert.deepEqual(channels.read(WARM - 1, TEMPERATURE_C).co_ppb, { warming: true });
  assert.equal((channels.read(WARM, TEMPERATURE_C).co_ppb as { fault: string }).fault, "electrode");
});

test("an electrode held at ground is an electrode fault on every read, not the stuck part it would otherwise count as", () => {
  const channels = gasChannels([{ adc: 0, input: 0, mv: 0 }]);
  for (let read = 0; read < 30; read++) assert.equal((channels.read(WARM, TEMPERATURE_C).co_ppb as { fault: string }).fault, "electrode", `read ${read}`);
});
