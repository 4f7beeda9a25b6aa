/// <reference path="../../../node_modules/@moddable/typings/timer.d.ts" />
// The driver imports Moddable's `timer` as the device does; the reference gives this program its types.

import assert from "node:assert/strict";
import { test } from "node:test";
import { sensirionCrc8 } from "../../../firmware/drivers/SensirionCrc8";
import Sht4x, { sht4xHumidity, sht4xTemperature, type Sht4xOptions } from "../../../firmware/drivers/Sht4x";
import { I2cBus, type I2cTarget } from "../../../host-tools/board-sim/board/I2cBus.ts";
import { Sht4xModel } from "../../../host-tools/board-sim/models/Sht4xModel.ts";
import { i2cOn, TestClock } from "./FakeIo.ts";

function rig(options: { model?: Sht4xModel; driver?: Partial<Sht4xOptions> } = {}) {
  const clock = new TestClock();
  const bus = new I2cBus();
  const model = options.model ?? new Sht4xModel();
  bus.attach(model);
  const errors: string[] = [];
  const I2C = i2cOn(bus, clock);
  const sht = new Sht4x({
    sensor: { io: I2C, data: 21, clock: 22, hz: 400_000 },
    onError: (error) => errors.push(error),
    delay: clock.delay,
    ...options.driver,
  });
  return { clock, bus, model, errors, sht, I2C };
}

/** The bus log in a form assert can compare: time, direction, bytes, acknowledged. */
function wire(bus: I2cBus) {
  return bus.transactions.map((t) => ({ at: t.at, address: t.address, [t.direction]: [...t.data], acked: t.acked }));
}

test("the Sensirion CRC-8 gives the datasheet check value: CRC(0xBE, 0xEF) = 0x92", () => {
  assert.equal(sensirionCrc8(Uint8Array.of(0xbe, 0xef)), 0x92);
  // The same word checked in place inside a longer buffer, as the driver does.
  assert.equal(sensirionCrc8(Uint8Array.of(0x00, 0xbe, 0xef, 0x00), 1, 3), 0x92);
  // Only the 0xFF initial value is left after 0x0000 has been shifted through: 0x81.
  assert.equal(sensirionCrc8(Uint8Array.of(0x00, 0x00)), 0x81);
});

test("conversions follow the datasheet formulas T = −45 + 175·S/65535 and RH = −6 + 125·S/65535, cropped to 0…100 %RH", () => {
  // [word, °C, %RH]; 0x6666 = 26214 = 0.4 × 65535, so its values come out exact.
  const table: [number, number, number][] = [
    [0x0000, -45, 0], // RH formula gives −6, cropped
    [0x6666, 25, 44],
    [0x8000, -45 + (175 * 32768) / 65535, -6 + (125 * 32768) / 65535], // 42.501335… °C, 56.500954… %RH
    [0xffff, 130, 100], // RH formula gives 119, cropped
    [3145, -36.601815823605705, 0], // RH −0.0013, just below zero: cropped
    [3146, -36.599145494773786, 0.0006103608758678547],
    [55573, 103.3981841763943, 99.99870298313878],
    [55574, 103.40085450522622, 100], // RH 100.0006, just above 100: cropped
  ];
  for (const [word, celsius, percent] of table) {
    assert.ok(Math.abs(sht4xTemperature(word) - celsius) < 1e-9, `T(${word}) = ${sht4xTemperature(word)}, expected ${celsius}`);
    assert.ok(Math.abs(sht4xHumidity(word) - percent) < 1e-9, `RH(${word}) = ${sht4xHumidity(word)}, expected ${percent}`);
  }
  assert.equal(sht4xTemperature(0x6666), 25);
  assert.equal(sht4xHumidity(0x6666), 44);
});

test("a high-repeatability sample writes 0xFD, waits 9 ms (8.3 ms rounded up) and reads 6 bytes whose words give the values", () => {
  const { bus, model, sht, errors, I2C } = rig();
  model.set({ temperature: 25, humidity: 44 });
  assert.deepEqual(sht.sample(), { thermometer: { temperature: 25 }, hygrometer: { humidity: 44 } });
  assert.deepEqual(wire(bus), [
    { at: 0, address: 0x44, write: [0xfd], acked: true },
    // T word 0x6666, CRC 0x93; RH word 0x6666, CRC 0x93.
    { at: 9, address: 0x44, read: [0x66, 0x66, 0x93, 0x66, 0x66, 0x93], acked: true },
  ]);
  assert.deepEqual(errors, []);
  assert.deepEqual(I2C.opened, [{ io: I2C, data: 21, clock: 22, hz: 400_000, address: 0x44 }]);
});

test("medium and low repeatability send 0xF6 and 0xE0 and read after 5 and 2 ms", () => {
  const { bus, sht, clock } = rig();
  sht.configure({ repeatability: "medium" });
  sht.sample();
  sht.configure({ repeatability: "low" });
  sht.sample();
  assert.deepEqual(
    bus.transactions.map((t) => [t.at, t.direction, t.direction === "write" ? t.data[0] : t.data.length]),
    [
      [0, "write", 0xf6],
      [5, "read", 6],
      [5, "write", 0xe0],
      [7, "read", 6],
    ],
  );
  assert.equal(clock.now, 7);
});

test("the model NACKs a read made before the datasheet's longest measurement time, so a driver that truncated 8.3 ms to 8 would fail", () => {
  const model = new Sht4xModel();
  assert.equal(model.write(Uint8Array.of(0xfd), 0), "ack");
  assert.equal(model.read(6, 8), "nack");
  assert.equal(model.write(Uint8Array.of(0xfd), 8), "nack", "a chip that is still measuring does not acknowledge a new command either");
  assert.notEqual(model.read(6, 8.3), "nack");
  assert.equal(model.read(6, 9), "nack", "the result is read once");
});

test("the model NACKs a command it does not know (the heater commands are not modelled) and a read with nothing to read", () => {
  const model = new Sht4xModel();
  assert.equal(model.read(6, 0), "nack");
  assert.equal(model.write(Uint8Array.of(0x39), 0), "nack");
  assert.equal(model.write(Uint8Array.of(0x00), 0), "nack");
  assert.equal(model.write(Uint8Array.of(0xfd, 0x00), 0), "nack");
  assert.equal(model.write(new Uint8Array(0), 0), "ack", "an address-only probe is acknowledged");
});

test("a bad temperature CRC leaves out only the temperature and says which CRC was wrong", () => {
  const { model, sht, errors } = rig();
  model.set({ temperature: 25, humidity: 44 });
  model.faults = { crc: "temperature" };
  assert.deepEqual(sht.sample(), { hygrometer: { humidity: 44 } });
  // The model flips every bit of the CRC: 0x93 becomes 0x6C.
  assert.deepEqual(errors, ["SHT4x temperature CRC 0x6C, expected 0x93"]);
});

test("a bad humidity CRC leaves out only the humidity; two bad CRCs leave an empty sample and two reports", () => {
  const { model, sht, errors } = rig();
  model.set({ temperature: 25, humidity: 44 });
  model.faults = { crc: "humidity" };
  assert.deepEqual(sht.sample(), { thermometer: { temperature: 25 } });
  assert.deepEqual(errors, ["SHT4x humidity CRC 0x6C, expected 0x93"]);
  errors.length = 0;
  model.faults = { crc: "both" };
  assert.deepEqual(sht.sample(), {});
  assert.deepEqual(errors, ["SHT4x temperature CRC 0x6C, expected 0x93", "SHT4x humidity CRC 0x6C, expected 0x93"]);
});

test("a sensor that NACKs gives undefined and reports the failed transfer; so does one that is unplugged", () => {
  const { bus, model, sht, errors } = rig();
  model.faults = { nack: true };
  assert.equal(sht.sample(), undefined);
  assert.deepEqual(errors, ["SHT4x measurement failed: I2C write to 0x44: no acknowledge"]);
  assert.deepEqual(wire(bus), [{ at: 0, address: 0x44, write: [0xfd], acked: false }]);

  errors.length = 0;
  model.faults = {};
  bus.detach(0x44);
  assert.equal(sht.sample(), undefined);
  assert.equal(errors.length, 1);
  bus.attach(model);
  assert.notEqual(sht.sample(), undefined, "plugged back in, it answers again");
});

test("a stuck sensor keeps answering with its last measurement, CRCs intact, which the driver cannot tell from steady air", () => {
  const { model, sht, errors } = rig();
  model.set({ temperature: 25, humidity: 44 });
  sht.sample();
  model.faults = { stuck: true };
  model.set({ temperature: 30, humidity: 60 });
  assert.deepEqual(sht.sample(), { thermometer: { temperature: 25 }, hygrometer: { humidity: 44 } });
  assert.deepEqual(errors, []);
  model.faults = {};
  assert.equal(sht.sample()?.thermometer?.temperature.toFixed(2), "30.00");
});

test("readings follow the model's source function at the time of each measurement", () => {
  const { model, sht, clock } = rig();
  model.source = (now) => ({ temperature: 20 + now / 1000, humidity: 50 });
  assert.equal(sht.sample()?.thermometer?.temperature.toFixed(2), "20.00");
  clock.delay(5000);
  assert.equal(sht.sample()?.thermometer?.temperature.toFixed(2), "25.01");
});

test("the serial number is command 0x89, read 10 ms later as two CRC-checked words", () => {
  const { bus, sht, errors } = rig({ model: new Sht4xModel({ serialNumber: 0x0a1b2c3d }) });
  assert.equal(sht.readSerialNumber(), 0x0a1b2c3d);
  assert.deepEqual(wire(bus), [
    { at: 0, address: 0x44, write: [0x89], acked: true },
    { at: 10, address: 0x44, read: [0x0a, 0x1b, 0xc6, 0x2c, 0x3d, 0x60], acked: true },
  ]);
  assert.deepEqual(errors, []);
});

test("a serial number with a bad CRC is not returned, and the report names the word", () => {
  const corrupt: I2cTarget = {
    address: 0x44,
    write: () => "ack",
    read: () => Uint8Array.of(0x0a, 0x1b, 0xc6, 0x2c, 0x3d, 0x61),
  };
  const bus = new I2cBus();
  bus.attach(corrupt);
  const errors: string[] = [];
  const clock = new TestClock();
  const sht = new Sht4x({ sensor: { io: i2cOn(bus, clock), data: 21, clock: 22, hz: 400_000 }, onError: (e) => errors.push(e), delay: clock.delay });
  assert.equal(sht.readSerialNumber(), undefined);
  assert.deepEqual(errors, ["SHT4x serial number low word CRC 0x61, expected 0x60"]);
});

test("a soft reset writes 0x94 and waits the 1 ms the chip needs, so the next measurement is acknowledged", () => {
  const { bus, sht, errors } = rig();
  sht.reset();
  assert.notEqual(sht.sample(), undefined);
  assert.deepEqual(
    bus.transactions.map((t) => [t.at, t.direction, t.direction === "write" ? t.data[0] : t.data.length, t.acked]),
    [
      [0, "write", 0x94, true],
      [1, "write", 0xfd, true],
      [10, "read", 6, true],
    ],
  );
  assert.deepEqual(errors, []);
});

test("a reset the chip does not acknowledge is reported, not thrown", () => {
  const { model, sht, errors } = rig();
  model.faults = { nack: true };
  sht.reset();
  assert.deepEqual(errors, ["SHT4x soft reset failed: I2C write to 0x44: no acknowledge"]);
});

test("the address option reaches a chip strapped to 0x45", () => {
  const { bus, errors, sht } = rig({ model: new Sht4xModel({ address: 0x45 }), driver: { address: 0x45 } });
  assert.notEqual(sht.sample(), undefined);
  assert.equal(bus.transactions[0]?.address, 0x45);
  assert.deepEqual(errors, []);
});

test("configure rejects an unknown repeatability; close closes the I2C instance", () => {
  const clock = new TestClock();
  const I2C = i2cOn(new I2cBus(), clock);
  const sht = new Sht4x({ sensor: { io: I2C, data: 21, clock: 22, hz: 400_000 }, delay: clock.delay });
  assert.throws(() => sht.configure({ repeatability: "ultra" as "high" }), RangeError);
  sht.close();
  assert.equal(I2C.last?.closed, true);
});

test("a chip that never finishes its measurement acknowledges the command, NACKs the read, and the driver reports a timeout with no values", () => {
  const { sht, model, errors, bus } = rig();
  model.faults = { timeout: true };
  assert.equal(sht.sample(), undefined);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^SHT4x measurement: no answer after 9 ms/);
  const last = wire(bus).slice(-2);
  assert.deepEqual(
    last.map((t) => [t.write ?? t.read, t.acked]),
    [
      [[0xfd], true],
      [[], false],
    ],
    "0xFD acknowledged, the read refused",
  );
  model.faults = {};
  assert.equal(typeof sht.sample()?.thermometer?.temperature, "number", "it measures again once the fault clears");
});

test("a forced temperature word 0xFFFF arrives with a correct CRC and converts to the datasheet's 130 °C, beyond the part's range, so the sampler (not the driver) must catch it", () => {
  const { sht, model, errors } = rig();
  model.faults = { temperatureWord: 0xffff };
  const sample = sht.sample();
  assert.deepEqual(errors, []);
  assert.equal(sample?.thermometer?.temperature, 130);
  assert.ok(Math.abs(sample!.hygrometer!.humidity - 45) < 0.002, "humidity is still measured (45 %RH within one word's step)");
});
