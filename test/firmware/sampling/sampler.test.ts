import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChannelRead } from "../../../firmware/telemetry/Channels";
import { Sampler, TEMPERATURE_HOLD_MS, type IntervalReading, type SamplerOptions } from "../../../firmware/sampling/Sampler";

const value = (v: number): ChannelRead => ({ value: v });

function rig(overrides: Partial<SamplerOptions> = {}) {
  const calls: string[] = [];
  let t = 20;
  let callback: (() => void) | undefined;
  const options: SamplerOptions = {
    readIntervalMs: 5_000,
    sampleIntervalMs: 15_000,
    timer: {
      repeat: (cb, interval) => {
        calls.push(`repeat ${interval}`);
        callback = cb;
        return 1;
      },
      clear: () => calls.push("clear"),
    },
    climate: { read: () => ({ temperature_c: value(t++), humidity_pct: value(40) }) },
    particulates: {
      read: (msToReport) => {
        calls.push(`pm ${msToReport}`);
        return { pm1_ugm3: value(1), pm2_5_ugm3: value(2), pm10_ugm3: value(3) };
      },
      retime: (read, sample) => calls.push(`pm retime ${read} ${sample}`),
    },
    gases: {
      read: (uptimeMs, temperatureC) => {
        calls.push(`gas ${uptimeMs} ${temperatureC}`);
        return { co_ppb: value(300), no2_ppb: value(10), so2_ppb: value(2), o3_ppb: value(30) };
      },
    },
    ...overrides,
  };
  const sampler = new Sampler(options);
  const readings: IntervalReading[] = [];
  const lengths: number[] = [];
  sampler.start((reading, intervalMs) => {
    readings.push(reading);
    lengths.push(intervalMs);
  });
  return { sampler, calls, readings, lengths, tick: () => callback!() };
}

test("reads every part each read interval and reports the mean once per sampling interval", () => {
  const { calls, readings, tick } = rig();
  for (let i = 0; i < 6; i++) tick();
  assert.equal(readings.length, 2);
  assert.deepEqual(readings[0]!.temperature_c, { value: 21, health: "ok" }, "mean of 20, 21, 22");
  assert.deepEqual(readings[1]!.temperature_c, { value: 24, health: "ok" });
  assert.deepEqual(readings[0]!.o3_ppb, { value: 30, health: "ok" });
  assert.deepEqual(
    calls.slice(0, 7),
    ["repeat 5000", "pm 10000", "gas 5000 20", "pm 5000", "gas 10000 21", "pm 0", "gas 15000 22"],
    "the gases get this read's temperature and the time since power-on",
  );
});

test("a part that throws costs its own channels (fault:internal), never the others or the timer", () => {
  const { readings, tick } = rig({
    particulates: {
      read: () => {
        throw new TypeError("boom");
      },
      retime: () => {},
    },
  });
  for (let i = 0; i < 3; i++) tick();
  assert.deepEqual(readings[0]!.pm2_5_ugm3, { health: "fault:internal", reason: "PMS5003: boom" });
  assert.deepEqual(readings[0]!.co_ppb, { value: 300, health: "ok" });
});

test("when the SHT4x fails, the gases go on with its last good temperature for ten minutes, then are told there is none", () => {
  const seen: (number | undefined)[] = [];
  let reads = 0;
  const { tick } = rig({
    // One good read, then a dead sensor.
    climate: {
      read: () =>
        reads++ === 0
          ? { temperature_c: value(23), humidity_pct: value(40) }
          : { temperature_c: { fault: "nack", reason: "x" }, humidity_pct: { fault: "nack", reason: "x" } },
    },
    gases: {
      read: (_uptime, temperatureC) => {
        seen.push(temperatureC);
        return { co_ppb: value(1), no2_ppb: value(1), so2_ppb: value(1), o3_ppb: value(1) };
      },
    },
  });
  const readsInHold = TEMPERATURE_HOLD_MS / 5000;
  for (let i = 0; i < readsInHold + 2; i++) tick();
  assert.deepEqual(seen.slice(0, readsInHold + 1), new Array(readsInHold + 1).fill(23), "the first read and the next ten minutes use 23 °C");
  assert.deepEqual(seen.slice(readsInHold + 1), [undefined], "after that, no temperature");
});

test("retime cuts the interval under way and reports it with its true length; the next ones follow the new timing and the gas uptime runs on", () => {
  const { sampler, calls, readings, lengths, tick } = rig();
  for (let i = 0; i < 4; i++) tick();
  assert.equal(readings.length, 1);
  sampler.retime(10_000, 30_000);
  assert.deepEqual(lengths, [15_000, 5_000], "one read of the second interval made a 5 s reading");
  assert.equal(readings[1]!.temperature_c.value, 23, "the read taken before the change is in it");
  assert.ok(calls.includes("pm retime 10000 30000"), "the PM duty cycle is decided again");
  assert.deepEqual(calls.slice(-2), ["clear", "repeat 10000"], "the timer restarts at the new read interval");
  for (let i = 0; i < 3; i++) tick();
  assert.deepEqual(lengths, [15_000, 5_000, 30_000]);
  assert.deepEqual(
    calls.filter((c) => c.startsWith("gas")).slice(-3),
    ["gas 30000 24", "gas 40000 25", "gas 50000 26"],
    "uptime runs on: four 5 s reads, then 10 s reads",
  );
  assert.throws(() => sampler.retime(7_000, 30_000), /whole multiple/);
});

test("stop clears the timer; an interval that is not a whole number of reads is refused", () => {
  const { sampler, calls } = rig();
  sampler.stop();
  assert.equal(calls.at(-1), "clear");
  assert.throws(() => rig({ sampleIntervalMs: 12_000 }), /the sample interval \(12000 ms\) must be a whole multiple of the read interval \(5000 ms\)/);
});

test("a read outside its channel's range (CHANNELS, the table the lake checks too) is a range fault, not a value in the mean", () => {
  const { readings, tick } = rig({
    climate: { read: () => ({ temperature_c: value(-1e300), humidity_pct: value(100) }) },
    particulates: { read: () => ({ pm1_ugm3: value(1), pm2_5_ugm3: value(1e308), pm10_ugm3: value(-5000) }), retime: () => {} },
  });
  for (let i = 0; i < 3; i++) tick();
  assert.equal(readings[0]!.temperature_c.health, "fault:range");
  assert.equal(readings[0]!.temperature_c.value, undefined);
  assert.deepEqual(readings[0]!.humidity_pct, { value: 100, health: "ok" }, "the range is inclusive");
  assert.equal(readings[0]!.pm2_5_ugm3.health, "fault:range");
  assert.equal(readings[0]!.pm10_ugm3.health, "fault:range");
  assert.deepEqual(readings[0]!.pm1_ugm3, { value: 1, health: "ok" });
});
