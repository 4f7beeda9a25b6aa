import assert from "node:assert/strict";
import { test } from "node:test";
import { ClimateChannels, type ClimateSensor } from "../../../firmware/sampling/ClimateChannels";
import { FaultLatch } from "../../../firmware/sampling/FaultLatch";
import { ParticulateChannels, PMS_AWAKE_MS, type ParticulateSensor } from "../../../firmware/sampling/ParticulateChannels";

function climate(samples: (ReturnType<ClimateSensor["sample"]> | string)[]) {
  const errors = new FaultLatch();
  const sensor: ClimateSensor = {
    sample() {
      const next = samples.shift();
      if (typeof next === "string") {
        errors.note(next);
        return undefined;
      }
      return next;
    },
  };
  return new ClimateChannels({ sensor, errors });
}

const th = (temperature: number, humidity: number) => ({ thermometer: { temperature }, hygrometer: { humidity } });

test("SHT4x reads become channel values; a failed read is a fault with the driver's code and reason on both channels", () => {
  const channels = climate([th(21.5, 40), "SHT4x measurement failed: I2C write to 0x44: no acknowledge"]);
  assert.deepEqual(channels.read(), { temperature_c: { value: 21.5 }, humidity_pct: { value: 40 } });
  const fault = { fault: "nack", reason: "SHT4x measurement failed: I2C write to 0x44: no acknowledge" };
  assert.deepEqual(channels.read(), { temperature_c: fault, humidity_pct: fault });
});

test("a word with a bad CRC costs only its own channel", () => {
  const errors = new FaultLatch();
  const channels = new ClimateChannels({
    errors,
    sensor: {
      sample() {
        errors.note("SHT4x humidity CRC 0x00, expected 0x92");
        return { thermometer: { temperature: 20 } };
      },
    },
  });
  assert.deepEqual(channels.read(), { temperature_c: { value: 20 }, humidity_pct: { fault: "crc", reason: "SHT4x humidity CRC 0x00, expected 0x92" } });
});

test("a temperature outside the SHT4x's −40…125 °C is out of range, not a reading", () => {
  const channels = climate([th(130, 50), th(-45, 50), th(125, 50)]);
  assert.deepEqual(channels.read().temperature_c, { fault: "range", reason: "SHT4x temperature 130.00 °C out of range -40…125 °C" });
  assert.equal((channels.read().temperature_c as { fault: string }).fault, "range");
  assert.deepEqual(channels.read().temperature_c, { value: 125 });
});

test("24 identical reads in a row are a frozen part; cropped humidity at 100 %RH (fog) is not", () => {
  const channels = climate(Array.from({ length: 30 }, () => th(21.37, 100)));
  const reads = Array.from({ length: 30 }, () => channels.read());
  assert.deepEqual(reads[22]!.temperature_c, { value: 21.37 });
  assert.deepEqual(reads[23]!.temperature_c, { fault: "stuck", reason: "SHT4x gave 21.37 24 reads in a row" });
  assert.ok(reads.every((r) => "value" in r.humidity_pct));
});

interface FakePms extends ParticulateSensor {
  calls: string[];
  frame: number;
  values: { pm1: number; pm2_5: number; pm10: number };
  warmingNow: boolean;
  present: boolean;
}

function pms(): FakePms {
  const fake: FakePms = {
    calls: [],
    frame: 0,
    values: { pm1: 3, pm2_5: 5, pm10: 8 },
    warmingNow: false,
    present: true,
    get warming() {
      return fake.warmingNow;
    },
    sample() {
      if (!fake.present) return undefined;
      fake.frame++;
      const counts = { over0_3: 500 + fake.frame, over0_5: 150, over1_0: 30, over2_5: 4, over5_0: 1, over10: 0 };
      return { ...fake.values, counts, warming: fake.warmingNow, frame: fake.frame };
    },
    sleep: () => fake.calls.push("sleep"),
    wake: () => fake.calls.push("wake"),
  };
  return fake;
}

/** Reads one interval's worth at `readIntervalMs`: the PMS5003 is never put to sleep, and every read is the sensor's values. */
function assertStaysOn(sampleIntervalMs: number, readIntervalMs: number): void {
  const sensor = pms();
  const channels = new ParticulateChannels({ sensor, errors: new FaultLatch(), sampleIntervalMs, readIntervalMs });
  for (let left = sampleIntervalMs - readIntervalMs; left >= 0; left -= readIntervalMs)
    assert.deepEqual(channels.read(left), { pm1_ugm3: { value: 3 }, pm2_5_ugm3: { value: 5 }, pm10_ugm3: { value: 8 } }, `${left} ms before the reading`);
  assert.deepEqual(sensor.calls, []);
}

test("with readings a minute apart the PMS5003 runs all the time", () => {
  assertStaysOn(60_000, 5_000);
});

test("with readings five minutes apart it sleeps, and wakes for the last minute of each interval", () => {
  const sensor = pms();
  const channels = new ParticulateChannels({ sensor, errors: new FaultLatch(), sampleIntervalMs: 300_000, readIntervalMs: 5_000 });
  const reads: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (let left = 295_000; left >= 0; left -= 5_000) {
      if (left === PMS_AWAKE_MS) sensor.warmingNow = true;
      if (left === PMS_AWAKE_MS - 30_000) sensor.warmingNow = false;
      const read = channels.read(left).pm10_ugm3;
      reads.push("idle" in read ? "idle" : "warming" in read ? "warming" : "value");
    }
  }
  assert.deepEqual(sensor.calls, ["sleep", "wake", "sleep", "wake"]);
  const round = reads.slice(0, 60);
  assert.equal(round.filter((r) => r === "idle").length, 47, "asleep until 60 s before the reading");
  assert.equal(round.filter((r) => r === "warming").length, 6, "30 s of warm-up");
  assert.equal(round.filter((r) => r === "value").length, 7, "then frames to average");
});

test("with reads too far apart to land in the good frames before a reading, it stays on", () => {
  assertStaysOn(300_000, 60_000);
});

test("no frame is a fault, but not while the fan spins up after wake", () => {
  const sensor = pms();
  sensor.present = false;
  const errors = new FaultLatch();
  const channels = new ParticulateChannels({ sensor, errors, sampleIntervalMs: 60_000, readIntervalMs: 5_000 });
  sensor.warmingNow = true;
  assert.deepEqual(channels.read(0).pm1_ugm3, { warming: true });
  sensor.warmingNow = false;
  assert.deepEqual(channels.read(0).pm1_ugm3, { fault: "no-data", reason: "PMS5003 sent no valid frame for 5 s" });
  errors.note("PMS5003 frame checksum 0x0102, expected 0x0103");
  assert.deepEqual(channels.read(0).pm1_ugm3, { fault: "checksum", reason: "PMS5003 frame checksum 0x0102, expected 0x0103" });
});

test("PM beyond the 1000 µg/m³ the data manual gives as the maximum range is out of range, per channel", () => {
  const sensor = pms();
  sensor.values = { pm1: 400, pm2_5: 900, pm10: 1200 };
  const reads = new ParticulateChannels({ sensor, errors: new FaultLatch(), sampleIntervalMs: 60_000, readIntervalMs: 5_000 }).read(0);
  assert.deepEqual(reads.pm2_5_ugm3, { value: 900 });
  assert.deepEqual(reads.pm10_ugm3, { fault: "range", reason: "PMS5003 PM10 1200 µg/m³ out of range 0…1000" });
});

test("20 new frames with every number the same are a frozen sensor; the same frame read twice is not", () => {
  // Every number the same in every frame; only the frame counter, numbered by `frame`, may move.
  const unchanging = (frame: () => number): ParticulateSensor => ({
    ...pms(),
    sample: () => ({
      pm1: 3,
      pm2_5: 5,
      pm10: 8,
      counts: { over0_3: 500, over0_5: 150, over1_0: 30, over2_5: 4, over5_0: 1, over10: 0 },
      warming: false,
      frame: frame(),
    }),
  });
  let frames = 0;
  const frozen = unchanging(() => ++frames);
  const channels = new ParticulateChannels({ sensor: frozen, errors: new FaultLatch(), sampleIntervalMs: 60_000, readIntervalMs: 5_000 });
  const reads = Array.from({ length: 20 }, () => channels.read(0).pm2_5_ugm3);
  assert.deepEqual(reads[18], { value: 5 });
  assert.deepEqual(reads[19], { fault: "stuck", reason: "PMS5003 sent the same frame 20 times in a row" });
  const repeated = unchanging(() => 1);
  const same = new ParticulateChannels({ sensor: repeated, errors: new FaultLatch(), sampleIntervalMs: 60_000, readIntervalMs: 5_000 });
  for (let i = 0; i < 40; i++) assert.deepEqual(same.read(0).pm2_5_ugm3, { value: 5 });
});
