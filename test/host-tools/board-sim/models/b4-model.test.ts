/// <reference path="../../../../node_modules/@moddable/typings/timer.d.ts" />
// The driver imports Moddable's `timer` as the device does; the reference gives this program its types.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import Ads1115 from "../../../../firmware/drivers/Ads1115";
import { B4_WARM_UP_MS, gasPpb, ozonePpb, plausibleElectrodeMv, temperatureFactor } from "../../../../firmware/gas/AlphasenseB4";
import { parseCalibrationRecord } from "../../../../firmware/gas/GasCalibration";
import { faultCodeOf } from "../../../../firmware/sampling/FaultCode";
import { I2cBus } from "../../../../host-tools/board-sim/board/I2cBus.ts";
import { Ads1115Model } from "../../../../host-tools/board-sim/models/Ads1115Model.ts";
import { AlphasenseB4Model, SIMULATED_CALIBRATION, UNPLUGGED_MV, WARM_UP_OFFSET_MV } from "../../../../host-tools/board-sim/models/AlphasenseB4Model.ts";
import { i2cOn, TestClock } from "../../../firmware/drivers/FakeIo.ts";

const WARM = B4_WARM_UP_MS["CO-B4"];
/** Half an LSB at the driver's default ±2.048 V: the most rounding can move one reading. */
const HALF_LSB_MV = 2048 / 32768 / 2;

interface Air {
  co: number;
  no2: number;
  so2: number;
  o3: number;
  temperature: number;
}

/** The board's gas front end (docs/gas-sensors.md): cells → two ADS1115s on one bus → the driver. */
function frontEnd(air: Air) {
  const clock = new TestClock();
  const bus = new I2cBus();
  const sheet = SIMULATED_CALIBRATION;
  const cells = {
    co: new AlphasenseB4Model({ calibration: sheet.co }),
    no2: new AlphasenseB4Model({ calibration: sheet.no2 }),
    so2: new AlphasenseB4Model({ calibration: sheet.so2 }),
    ox: new AlphasenseB4Model({ calibration: sheet.ox }),
  };
  const pair = (cell: AlphasenseB4Model, ppb: number, now: number, no2?: number): [number, number] => {
    const { weMv, aeMv } = cell.electrodes(ppb, air.temperature, now, no2);
    return [weMv, aeMv];
  };
  bus.attach(new Ads1115Model({ address: 0x48, inputs: (now) => [...pair(cells.co, air.co, now), ...pair(cells.no2, air.no2, now)] }));
  bus.attach(new Ads1115Model({ address: 0x49, inputs: (now) => [...pair(cells.so2, air.so2, now), ...pair(cells.ox, air.o3, now, air.no2)] }));
  const errors: string[] = [];
  const I2C = i2cOn(bus, clock);
  const adc = (address: number) =>
    new Ads1115({ sensor: { io: I2C, data: 21, clock: 22, hz: 400_000 }, address, onError: (e) => errors.push(e), delay: clock.delay });
  return { clock, cells, adcs: [adc(0x48), adc(0x49)] as const, errors };
}

test("model → ADS1115 model → driver → AAN 803 conversion gives back the input gas levels within the ADC's resolution", () => {
  const sheet = SIMULATED_CALIBRATION;
  fc.assert(
    fc.property(
      fc.record({
        co: fc.double({ min: -20, max: 3000, noNaN: true }),
        no2: fc.double({ min: -20, max: 1500, noNaN: true }),
        so2: fc.double({ min: -20, max: 3000, noNaN: true }),
        o3: fc.double({ min: -20, max: 1500, noNaN: true }),
        temperature: fc.double({ min: -30, max: 50, noNaN: true }),
      }),
      (air) => {
        const { clock, adcs, errors } = frontEnd(air);
        // Long after warm-up, so the settling tail (under 0.1 mV at the warm-up time itself) is gone too.
        clock.delay(3 * WARM);
        const read = (adc: 0 | 1, input: 0 | 1 | 2 | 3) => {
          const millivolts = adcs[adc].readMillivolts(input);
          assert.notEqual(millivolts, undefined, errors.join("; "));
          assert.ok(plausibleElectrodeMv(millivolts!), `${millivolts} mV`);
          return millivolts!;
        };
        const t = air.temperature;
        // A WE and an AE reading each round by up to half an LSB; algorithm 1 scales the AE's by |nT|.
        const tolerance = (type: "CO-B4" | "NO2-B43F" | "OX-B431", sensitivity: number) =>
          (HALF_LSB_MV * (1 + Math.abs(temperatureFactor(type, t)))) / sensitivity + 0.01;
        const co = gasPpb(sheet.co, read(0, 0), read(0, 1), t);
        const no2 = gasPpb(sheet.no2, read(0, 2), read(0, 3), t);
        const so2 = gasPpb(sheet.so2, read(1, 0), read(1, 1), t);
        const o3 = ozonePpb(sheet.ox, read(1, 2), read(1, 3), t, no2);
        const no2Tolerance = tolerance("NO2-B43F", sheet.no2.sensitivityMvPerPpb);
        assert.ok(Math.abs(co - air.co) <= tolerance("CO-B4", sheet.co.sensitivityMvPerPpb), `CO ${co} for ${air.co}`);
        assert.ok(Math.abs(no2 - air.no2) <= no2Tolerance, `NO2 ${no2} for ${air.no2}`);
        assert.ok(Math.abs(so2 - air.so2) <= HALF_LSB_MV / sheet.so2.sensitivityMvPerPpb + 0.01, `SO2 ${so2} for ${air.so2}`);
        // Ozone also inherits the NO2 reading's error, weighted by the OX cell's NO2 sensitivity.
        const o3Tolerance =
          tolerance("OX-B431", sheet.ox.sensitivityMvPerPpb) + (no2Tolerance * sheet.ox.no2SensitivityMvPerPpb!) / sheet.ox.sensitivityMvPerPpb;
        assert.ok(Math.abs(o3 - air.o3) <= o3Tolerance, `O3 ${o3} for ${air.o3}`);
        assert.deepEqual(errors, []);
      },
    ),
    { numRuns: 200 },
  );
});

test("after power-on the working electrode starts 250 mV low and settles well inside the warm-up time", () => {
  const cell = new AlphasenseB4Model({ calibration: SIMULATED_CALIBRATION.co, poweredAt: 1000 });
  const settled = (now: number) => cell.electrodes(0, 20, now).weMv;
  const steady = settled(1000 + 100 * WARM);
  assert.ok(Math.abs(settled(1000) - steady - WARM_UP_OFFSET_MV) < 1e-9, "the full offset at power-on");
  assert.ok(Math.abs(settled(0) - steady - WARM_UP_OFFSET_MV) < 1e-9, "before power-on it is no further along");
  assert.ok(Math.abs(settled(1000 + WARM) - steady) < 0.1, "under 0.1 mV left when the warm-up time ends");
  // While warming the reading is far below zero, which a sampler can tell from clean air.
  const { weMv, aeMv } = cell.electrodes(0, 20, 1000 + WARM / 8);
  assert.ok(gasPpb(SIMULATED_CALIBRATION.co, weMv, aeMv, 20) < -200);
  cell.powerOn(5 * WARM);
  assert.ok(Math.abs(settled(5 * WARM) - steady - WARM_UP_OFFSET_MV) < 1e-9, "powered again, the warm-up starts over");
});

test("a slow warm-up leaves the cell reading far below zero long after the normal warm-up time", () => {
  for (const slot of ["co", "no2", "so2", "ox"] as const) {
    const sheet = SIMULATED_CALIBRATION[slot];
    const cell = new AlphasenseB4Model({ calibration: sheet });
    cell.faults = { slowWarmUp: true };
    for (const at of [WARM, 2 * WARM]) {
      const { weMv, aeMv } = cell.electrodes(0, 20, at, 0);
      assert.ok(plausibleElectrodeMv(weMv), `${slot} WE ${weMv} mV stays inside the ISB's swing`);
      const ppb = slot === "ox" ? ozonePpb(sheet, weMv, aeMv, 20, 0) : gasPpb(sheet, weMv, aeMv, 20);
      assert.ok(ppb < -100, `${slot} at ${at / WARM} warm-up times: ${ppb} ppb`);
    }
    cell.faults = {};
    const { weMv, aeMv } = cell.electrodes(0, 20, WARM, 0);
    const ppb = slot === "ox" ? ozonePpb(sheet, weMv, aeMv, 20, 0) : gasPpb(sheet, weMv, aeMv, 20);
    assert.ok(Math.abs(ppb) < 1, `${slot} settles normally once the fault clears: ${ppb}`);
  }
});

test("an unplugged ISB reads at the rail on both electrodes, which the ADC reports as saturation, never as a value", () => {
  const { clock, cells, adcs, errors } = frontEnd({ co: 100, no2: 20, so2: 5, o3: 30, temperature: 20 });
  clock.delay(WARM);
  cells.no2.faults = { unplugged: true };
  assert.deepEqual(cells.no2.electrodes(20, 20, clock.now), { weMv: UNPLUGGED_MV, aeMv: UNPLUGGED_MV });
  assert.equal(plausibleElectrodeMv(UNPLUGGED_MV), false);
  assert.equal(adcs[0].readMillivolts(2), undefined);
  assert.equal(adcs[0].readMillivolts(3), undefined);
  assert.notEqual(adcs[0].readMillivolts(0), undefined, "the CO cell on the same ADC carries on");
  assert.deepEqual(errors, [
    "ADS1115 0x48 AIN2 conversion saturated at 0x7FFF (input at or beyond +2048 mV full scale)",
    "ADS1115 0x48 AIN3 conversion saturated at 0x7FFF (input at or beyond +2048 mV full scale)",
  ]);
  assert.deepEqual(errors.map(faultCodeOf), ["saturated", "saturated"]);
  cells.no2.faults = {};
  assert.ok(Math.abs(gasPpb(SIMULATED_CALIBRATION.no2, adcs[0].readMillivolts(2)!, adcs[0].readMillivolts(3)!, 20) - 20) < 1, "plugged back, it reads again");
});

test("a gas level beyond what the ISB can output is held at its supply rail and saturates the ADC rather than reading low", () => {
  const cell = new AlphasenseB4Model({ calibration: SIMULATED_CALIBRATION.co });
  assert.equal(cell.electrodes(1_000_000, 20, WARM).weMv, 3300);
  const { clock, adcs, errors } = frontEnd({ co: 10_000, no2: 0, so2: 0, o3: 0, temperature: 20 });
  clock.delay(WARM);
  assert.equal(adcs[0].readMillivolts(0), undefined);
  assert.equal(faultCodeOf(errors[0]!), "saturated");
});

test("the simulated calibration is a valid record with every sheet in its slot", () => {
  assert.deepEqual(parseCalibrationRecord(JSON.parse(JSON.stringify(SIMULATED_CALIBRATION))), SIMULATED_CALIBRATION);
});
