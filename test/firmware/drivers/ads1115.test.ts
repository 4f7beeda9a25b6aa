/// <reference path="../../../node_modules/@moddable/typings/timer.d.ts" />
// The driver imports Moddable's `timer` as the device does; the reference gives this program its types.

import assert from "node:assert/strict";
import { test } from "node:test";
import Ads1115, {
  ads1115ConfigWord,
  ads1115ConversionWaitMs,
  ads1115Millivolts,
  type Ads1115DataRate,
  type Ads1115FullScaleMv,
  type Ads1115Options,
} from "../../../firmware/drivers/Ads1115";
import { faultCodeOf } from "../../../firmware/sampling/FaultCode";
import { I2cBus, type I2cTarget } from "../../../host-tools/board-sim/board/I2cBus.ts";
import { Ads1115Model, ads1115Code, ads1115ConversionMs } from "../../../host-tools/board-sim/models/Ads1115Model.ts";
import { i2cOn, TestClock } from "./FakeIo.ts";

type Inputs = [number, number, number, number];

function rig(options: { inputs?: Inputs; address?: number; target?: (model: Ads1115Model) => I2cTarget; driver?: Partial<Ads1115Options> } = {}) {
  const clock = new TestClock();
  const bus = new I2cBus();
  const inputs: Inputs = options.inputs ?? [1000, 500, 250, 125];
  const model = new Ads1115Model({ ...(options.address === undefined ? {} : { address: options.address }), inputs: () => inputs });
  bus.attach(options.target ? options.target(model) : model);
  const errors: string[] = [];
  const I2C = i2cOn(bus, clock);
  const adc = new Ads1115({
    sensor: { io: I2C, data: 21, clock: 22, hz: 400_000 },
    ...(options.address === undefined ? {} : { address: options.address }),
    onError: (error) => errors.push(error),
    delay: clock.delay,
    ...options.driver,
  });
  return { clock, bus, model, inputs, errors, adc, I2C };
}

/** The bus log in a form assert can compare: time, direction, bytes, acknowledged. */
function wire(bus: I2cBus) {
  return bus.transactions.map((t) => ({ at: t.at, address: t.address, [t.direction]: [...t.data], acked: t.acked }));
}

const FULL_SCALES: readonly Ads1115FullScaleMv[] = [6144, 4096, 2048, 1024, 512, 256];
const DATA_RATES: readonly Ads1115DataRate[] = [8, 16, 32, 64, 128, 250, 475, 860];

test("config words follow the datasheet's field layout: OS=1, MUX 100…111, PGA, MODE=1, DR, COMP_QUE=11", () => {
  // The chip's reset value is 0x8583: MUX 000, PGA 010 (±2.048 V), MODE 1, DR 100 (128 SPS), COMP_QUE 11.
  // The same settings with OS set and MUX 100 (AIN0 vs GND) give 0xC583.
  assert.equal(ads1115ConfigWord(0, 2048, 128), 0xc583);
  assert.deepEqual(
    ([0, 1, 2, 3] as const).map((input) => ads1115ConfigWord(input, 2048, 128)),
    [0xc583, 0xd583, 0xe583, 0xf583],
  );
  const pgaHighBytes = FULL_SCALES.map((fsr) => ads1115ConfigWord(0, fsr, 128) >> 8);
  assert.deepEqual(pgaHighBytes, [0xc1, 0xc3, 0xc5, 0xc7, 0xc9, 0xcb]);
  const dataRateLowBytes = DATA_RATES.map((sps) => ads1115ConfigWord(0, 2048, sps) & 0xff);
  assert.deepEqual(dataRateLowBytes, [0x03, 0x23, 0x43, 0x63, 0x83, 0xa3, 0xc3, 0xe3]);
  assert.equal(ads1115ConfigWord(3, 256, 860), 0xfbe3);
  assert.equal(ads1115ConfigWord(2, 6144, 8), 0xe103);
});

test("the LSB is FSR/32768: 187.5, 125, 62.5, 31.25, 15.625 and 7.8125 µV (datasheet full-scale table)", () => {
  assert.deepEqual(
    FULL_SCALES.map((fsr) => ads1115Millivolts(1, fsr) * 1000),
    [187.5, 125, 62.5, 31.25, 15.625, 7.8125],
  );
});

test("codes convert to mV as two's complement at ±2.048 V, negative codes included", () => {
  // [code as read, mV]
  const table: [number, number][] = [
    [0x0000, 0],
    [0x0001, 0.0625],
    [0x3e80, 1000],
    [0x4000, 1024],
    [0x7ffe, 2047.875],
    [-1, -0.0625], // 0xFFFF
    [-0x4000, -1024], // 0xC000
    [-0x7fff, -2047.9375], // 0x8001
  ];
  for (const [code, millivolts] of table) assert.equal(ads1115Millivolts(code, 2048), millivolts, `code ${code}`);
});

test("the conversion wait is the slowest the datasheet allows (1/DR with the oscillator 10 % slow, plus 25 µs), rounded up to whole ms", () => {
  assert.deepEqual(
    DATA_RATES.map((sps) => ads1115ConversionWaitMs(sps)),
    [138, 69, 35, 18, 9, 5, 3, 2],
  );
  for (const sps of DATA_RATES) assert.ok(ads1115ConversionWaitMs(sps) >= ads1115ConversionMs(ads1115ConfigWord(0, 2048, sps)), `${sps} SPS`);
});

test("a read writes the config, waits 9 ms at 128 SPS, checks OS, points at the conversion register and reads the code", () => {
  const { bus, adc, errors, I2C } = rig();
  assert.equal(adc.readMillivolts(0), 1000);
  assert.deepEqual(wire(bus), [
    { at: 0, address: 0x48, write: [0x01, 0xc5, 0x83], acked: true },
    { at: 9, address: 0x48, read: [0xc5, 0x83], acked: true },
    { at: 9, address: 0x48, write: [0x00], acked: true },
    // 1000 mV / 62.5 µV = 16000 = 0x3E80
    { at: 9, address: 0x48, read: [0x3e, 0x80], acked: true },
  ]);
  assert.deepEqual(errors, []);
  assert.deepEqual(I2C.opened, [{ io: I2C, data: 21, clock: 22, hz: 400_000, address: 0x48 }]);
});

test("each input selects its MUX setting; each is read against GND", () => {
  const { bus, adc } = rig({ inputs: [1000, 500, 250, -125] });
  assert.deepEqual(
    ([0, 1, 2, 3] as const).map((input) => adc.readMillivolts(input)),
    [1000, 500, 250, -125],
  );
  const configs = bus.transactions.filter((t) => t.direction === "write" && t.data.length === 3).map((t) => [...t.data]);
  assert.deepEqual(configs, [
    [0x01, 0xc5, 0x83],
    [0x01, 0xd5, 0x83],
    [0x01, 0xe5, 0x83],
    [0x01, 0xf5, 0x83],
  ]);
  // −125 mV = −2000 codes = 0xF830 on the wire.
  assert.deepEqual([...bus.transactions.at(-1)!.data], [0xf8, 0x30]);
});

test("every full-scale range and data rate reaches the chip, and the model converts with the matching LSB and timing", () => {
  for (const fullScaleMv of FULL_SCALES) {
    for (const samplesPerSecond of DATA_RATES) {
      const { bus, adc, errors, clock } = rig({ inputs: [100.03, 0, 0, 0] });
      adc.configure({ fullScaleMv, samplesPerSecond });
      const lsb = fullScaleMv / 32768;
      assert.equal(adc.readMillivolts(0), Math.round(100.03 / lsb) * lsb);
      const config = ads1115ConfigWord(0, fullScaleMv, samplesPerSecond);
      assert.deepEqual([...bus.transactions[0]!.data], [0x01, config >> 8, config & 0xff]);
      assert.equal(clock.now, ads1115ConversionWaitMs(samplesPerSecond));
      assert.deepEqual(errors, []);
    }
  }
});

test("the model keeps OS at 0 for the slowest conversion time, so a driver waiting only the nominal 1/DR would read too early", () => {
  const model = new Ads1115Model({ inputs: () => [1, 2, 3, 4] });
  assert.deepEqual([...(model.read(2, 0) as Uint8Array)], [0x00, 0x00], "conversion register resets to 0");
  assert.equal(model.write(Uint8Array.of(0x01), 0), "ack");
  assert.deepEqual([...(model.read(2, 0) as Uint8Array)], [0x85, 0x83], "config resets to 0x8583");
  assert.equal(model.write(Uint8Array.of(0x01, 0xc5, 0x83), 0), "ack");
  assert.deepEqual([...(model.read(2, 8) as Uint8Array)], [0x45, 0x83], "still converting at the nominal 7.8 ms");
  assert.deepEqual([...(model.read(2, 8.61875) as Uint8Array)], [0xc5, 0x83]);
  assert.equal(model.write(Uint8Array.of(0x02), 9), "ack");
  assert.deepEqual([...(model.read(2, 9) as Uint8Array)], [0x80, 0x00], "Lo_thresh resets to 0x8000");
  assert.equal(model.write(Uint8Array.of(0x03, 0x12, 0x34), 9), "ack");
  assert.deepEqual([...(model.read(2, 9) as Uint8Array)], [0x12, 0x34], "Hi_thresh is read/write");
  assert.equal(model.write(Uint8Array.of(0x04), 9), "nack", "pointer bits 7:2 are reserved");
  assert.equal(model.write(Uint8Array.of(0x01, 0xc5), 9), "nack", "a register write is two bytes");
  assert.equal(model.write(new Uint8Array(0), 9), "ack", "an address-only probe is acknowledged");
});

test("a start written while a conversion is in flight has no effect (datasheet: OS can only be written in power-down)", () => {
  let volts = 1000;
  const model = new Ads1115Model({ inputs: () => [volts, 0, 0, 0] });
  model.write(Uint8Array.of(0x01, 0xc5, 0x83), 0);
  volts = 2000;
  model.write(Uint8Array.of(0x01, 0xc5, 0x83), 4);
  model.write(Uint8Array.of(0x00), 9);
  assert.deepEqual([...(model.read(2, 9) as Uint8Array)], [0x3e, 0x80], "the first conversion's 1000 mV, not 2000 mV");
});

test("the model clips to 0x7FFF and 0x8000 at ± full scale and rounds to the nearest LSB", () => {
  assert.equal(ads1115Code(2048, 2048), 0x7fff);
  assert.equal(ads1115Code(5000, 2048), 0x7fff);
  assert.equal(ads1115Code(-2048, 2048), -0x8000);
  assert.equal(ads1115Code(-2047.96, 2048), -0x7fff, "−32767.36 LSB rounds to −32767, one inside the bottom");
  assert.equal(ads1115Code(0.03125, 2048), 1, "half an LSB rounds up");
  assert.equal(ads1115Code(0.0312, 2048), 0);
});

test("a code at the top or bottom of the range is saturation: no value, and the reason says which end", () => {
  const { adc, errors, inputs } = rig({ inputs: [2100, -2100, 2047.99, 0] });
  assert.equal(adc.readMillivolts(0), undefined);
  assert.equal(adc.readMillivolts(1), undefined);
  assert.equal(adc.readMillivolts(2), undefined, "2047.99 mV rounds to 0x7FFF: the true voltage could be anything above");
  assert.deepEqual(errors, [
    "ADS1115 0x48 AIN0 conversion saturated at 0x7FFF (input at or beyond +2048 mV full scale)",
    "ADS1115 0x48 AIN1 conversion saturated at 0x8000 (input at or beyond −2048 mV full scale)",
    "ADS1115 0x48 AIN2 conversion saturated at 0x7FFF (input at or beyond +2048 mV full scale)",
  ]);
  for (const error of errors) assert.equal(faultCodeOf(error), "saturated");
  inputs[0] = 2047.9;
  assert.equal(adc.readMillivolts(0), 2047.875, "one LSB below the top is a value");
});

test("a chip that NACKs gives undefined and a reason naming the address and input; so does one that is unplugged", () => {
  const { bus, model, adc, errors } = rig();
  model.faults = { nack: true };
  assert.equal(adc.readMillivolts(2), undefined);
  assert.deepEqual(errors, ["ADS1115 0x48 AIN2 conversion start failed: I2C write to 0x48: no acknowledge"]);
  assert.equal(faultCodeOf(errors[0]!), "nack");
  assert.deepEqual(wire(bus), [{ at: 0, address: 0x48, write: [0x01, 0xe5, 0x83], acked: false }]);

  errors.length = 0;
  model.faults = {};
  bus.detach(0x48);
  assert.equal(adc.readMillivolts(0), undefined);
  assert.equal(errors.length, 1);
  bus.attach(model);
  assert.equal(adc.readMillivolts(0), 1000, "plugged back in, it answers again");
});

test("a NACK after the conversion started (status or result read) is reported as that step failing", () => {
  let failOnRead = 1;
  const { adc, errors } = rig({
    target: (model) => ({
      address: 0x48,
      write: (data, now) => model.write(data, now),
      read: (length, now) => (--failOnRead === 0 ? "nack" : model.read(length, now)),
    }),
  });
  assert.equal(adc.readMillivolts(0), undefined);
  failOnRead = 2;
  assert.equal(adc.readMillivolts(0), undefined);
  assert.deepEqual(errors, [
    "ADS1115 0x48 AIN0 status read failed: I2C read from 0x48: no acknowledge",
    "ADS1115 0x48 AIN0 result read failed: I2C read from 0x48: no acknowledge",
  ]);
});

test("a conversion still running after the wait is polled 1 ms apart; one that never finishes is a timeout after 3 status reads", () => {
  let busyReads = 1;
  let pointer = 0;
  const slow = rig({
    target: (model) => ({
      address: 0x48,
      write: (data, now) => {
        if (data.length > 0) pointer = data[0]!;
        return model.write(data, now);
      },
      read: (length, now) => {
        const answer = model.read(length, now);
        if (answer !== "nack" && pointer === 1 && busyReads-- > 0) answer[0] = answer[0]! & 0x7f;
        return answer;
      },
    }),
  });
  assert.equal(slow.adc.readMillivolts(0), 1000);
  assert.deepEqual(
    wire(slow.bus).map((t) => [t.at, "write" in t ? "write" : "read"]),
    [
      [0, "write"],
      [9, "read"],
      [10, "read"],
      [10, "write"],
      [10, "read"],
    ],
  );

  const { bus, model, adc, errors } = rig();
  model.faults = { neverReady: true };
  assert.equal(adc.readMillivolts(0), undefined);
  assert.deepEqual(errors, ["ADS1115 0x48 AIN0 conversion never completed (OS bit still 0 after 3 status reads)"]);
  assert.equal(faultCodeOf(errors[0]!), "timeout");
  assert.deepEqual(wire(bus), [
    { at: 0, address: 0x48, write: [0x01, 0xc5, 0x83], acked: true },
    { at: 9, address: 0x48, read: [0x45, 0x83], acked: true },
    { at: 10, address: 0x48, read: [0x45, 0x83], acked: true },
    { at: 11, address: 0x48, read: [0x45, 0x83], acked: true },
  ]);
  model.faults = {};
  assert.equal(adc.readMillivolts(0), 1000, "once the fault clears, the pending conversion finishes and new ones run");
});

test("a stuck converter keeps returning its last code with OS completing, which the driver cannot tell from a steady input", () => {
  const { model, adc, errors, inputs } = rig();
  assert.equal(adc.readMillivolts(0), 1000);
  model.faults = { stuck: true };
  inputs[1] = 700;
  assert.equal(adc.readMillivolts(1), 1000);
  assert.deepEqual(errors, []);
  model.faults = {};
  assert.equal(adc.readMillivolts(1), 700);
});

test("the model's differential MUX settings measure the difference between the named inputs", () => {
  const model = new Ads1115Model({ inputs: () => [1000, 400, 250, 100] });
  const differential = (mux: number) => {
    model.write(Uint8Array.of(0x01, 0x80 | (mux << 4) | 0x05, 0x83), 0);
    model.write(Uint8Array.of(0x00), 10);
    const bytes = model.read(2, 10) as Uint8Array;
    return ads1115Millivolts((((bytes[0]! << 8) | bytes[1]!) << 16) >> 16, 2048);
  };
  assert.deepEqual([0, 1, 2, 3].map(differential), [600, 900, 300, 150]);
});

test("the address option reaches a chip strapped to 0x49, and every reason names it", () => {
  const { bus, model, adc, errors } = rig({ address: 0x49 });
  assert.equal(adc.readMillivolts(3), 125);
  assert.ok(bus.transactions.every((t) => t.address === 0x49));
  model.faults = { nack: true };
  adc.readMillivolts(3);
  assert.match(errors[0]!, /^ADS1115 0x49 AIN3 /);
});

test("configure and the constructor reject values the chip does not have; close closes the I2C instance", () => {
  const clock = new TestClock();
  const I2C = i2cOn(new I2cBus(), clock);
  const sensor = { io: I2C, data: 21, clock: 22, hz: 400_000 };
  const adc = new Ads1115({ sensor, delay: clock.delay });
  assert.throws(() => adc.configure({ fullScaleMv: 3000 as Ads1115FullScaleMv }), RangeError);
  assert.throws(() => adc.configure({ samplesPerSecond: 100 as Ads1115DataRate }), RangeError);
  assert.throws(() => adc.readMillivolts(4 as 0), RangeError);
  assert.throws(() => new Ads1115({ sensor, address: 0x44 }), RangeError);
  adc.close();
  assert.equal(I2C.last?.closed, true);
});
