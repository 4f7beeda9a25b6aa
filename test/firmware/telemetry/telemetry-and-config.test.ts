import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseBoardConfig } from "../../../firmware/board/BoardConfig";
import { encodeTelemetry, roundTo } from "../../../firmware/telemetry/TelemetryRecord";
import { ALL_CHANNELS_OK } from "../../../host-tools/board-sim/scenarios/HealthyReading.ts";

test("a record encodes flat, keys in schema order, each value rounded to its channel's decimals, values it lacks left out (never zero)", () => {
  const text = encodeTelemetry({
    v: 2,
    thing: "aqm-1",
    boot: 4,
    seq: 17,
    ts: 1795387228172,
    interval_s: 60,
    values: { o3_ppb: 31.26, pm2_5_ugm3: 5.04, temperature_c: 21.129, co_ppb: 250.05 },
    health: {
      ...ALL_CHANNELS_OK,
      humidity_pct: "fault:crc",
      no2_ppb: "warming",
      pm1_ugm3: "fault:stuck",
      pm10_ugm3: "fault:stuck",
      so2_ppb: "fault:saturated",
    },
  });
  assert.equal(
    text,
    '{"v":2,"thing":"aqm-1","boot":4,"seq":17,"ts":1795387228172,"interval_s":60,"temperature_c":21.13,"pm2_5_ugm3":5,"co_ppb":250.1,"o3_ppb":31.3,' +
      '"health":{"temperature_c":"ok","humidity_pct":"fault:crc","pm1_ugm3":"fault:stuck","pm2_5_ugm3":"ok","pm10_ugm3":"fault:stuck","co_ppb":"ok","no2_ppb":"warming","so2_ppb":"fault:saturated","o3_ppb":"ok"}}',
  );
});

test("rounding to two decimals is the same arithmetic on every engine", () => {
  assert.equal(roundTo(21.12567, 2), 21.13);
  assert.equal(roundTo(-0.004, 2), -0);
  assert.equal(roundTo(45.005, 2), 45.01);
});

const valid = {
  thing: "aqm-1",
  endpoint: "abc-ats.iot.eu-west-1.amazonaws.com",
  port: 8883,
  sampleIntervalMs: 60_000,
  readIntervalMs: 5_000,
  keepAliveMs: 300_000,
  queueCapacity: 500,
  batchWaitMs: 0,
  led: { red: 25, green: 26, blue: 27 },
  pms5003: { port: 2, receive: 16, transmit: 17, set: 4 },
  i2c: { port: 0, data: 21, clock: 22, hz: 100_000 },
  console: { port: 0, receive: 3, transmit: 1, baud: 115_200 },
  dnsServers: ["1.1.1.1"],
};

test("a valid build config parses", () => {
  assert.deepEqual(parseBoardConfig(valid), valid);
});

test("without a read interval, sensors are read every 5 s, or once per reading when readings come faster", () => {
  const { readIntervalMs: _, ...withoutRead } = valid;
  assert.equal(parseBoardConfig(withoutRead).readIntervalMs, 5_000);
  assert.equal(parseBoardConfig({ ...withoutRead, sampleIntervalMs: 2_000 }).readIntervalMs, 2_000);
});

test("without a SET pin the PMS5003 settings have none (sleep goes as a command)", () => {
  assert.equal(parseBoardConfig({ ...valid, pms5003: { port: 2, receive: 16, transmit: 17 } }).pms5003.set, undefined);
});

test("each bad setting is named with what was expected and what was found", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...valid, thing: "has space" }, /^config\.thing: expected a thing name.*got "has space"$/],
    [{ ...valid, keepAliveMs: 1_500_000 }, /^config\.keepAliveMs: expected an integer from 30000 to 1200000, got 1500000$/],
    [{ ...valid, led: { red: 25, green: "26", blue: 27 } }, /^config\.led\.green: expected an integer from 0 to 48, got "26"$/],
    [{ ...valid, pms5003: undefined }, /^config\.pms5003\.port: expected an integer from 0 to 2, got undefined$/],
    [{ ...valid, pms5003: { ...valid.pms5003, set: 49 } }, /^config\.pms5003\.set: expected an integer from 0 to 48, got 49$/],
    [{ ...valid, readIntervalMs: 7_000 }, /^config\.readIntervalMs: expected a whole divisor of sampleIntervalMs \(60000\), got 7000$/],
    [{ ...valid, readIntervalMs: 120_000 }, /^config\.readIntervalMs: expected an integer from 1000 to 60000, got 120000$/],
  ];
  for (const [config, message] of cases) {
    assert.throws(
      () => parseBoardConfig(config),
      (error) => error instanceof ConfigError && message.test(error.message),
      String(message),
    );
  }
});

test("the batch wait is 0 unless the build sets one, and a bad one is named", () => {
  const { batchWaitMs: _, ...withoutWait } = valid;
  assert.equal(parseBoardConfig(withoutWait).batchWaitMs, 0);
  assert.equal(parseBoardConfig({ ...valid, batchWaitMs: 300_000 }).batchWaitMs, 300_000);
  assert.throws(() => parseBoardConfig({ ...valid, batchWaitMs: 4_000_000 }), {
    name: "Error",
    message: "config.batchWaitMs: expected an integer from 0 to 3600000, got 4000000",
  });
});
