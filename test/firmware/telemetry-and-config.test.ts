import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseBoardConfig } from "../../firmware/board/BoardConfig";
import { encodeTelemetry, roundTo } from "../../firmware/telemetry/TelemetryRecord";

test("a record encodes with keys in schema order, values it lacks left out (never zero), health sorted by sensor", () => {
  const text = encodeTelemetry({ health: { sht4x: "fault:read", pms5003: "ok" }, pm10_ugm3: 9, pm2_5_ugm3: 5, pm1_ugm3: 3, ts: 1795387228172, seq: 17, boot: 4, thing: "aqm-1", v: 1 });
  assert.equal(text, '{"v":1,"thing":"aqm-1","boot":4,"seq":17,"ts":1795387228172,"pm1_ugm3":3,"pm2_5_ugm3":5,"pm10_ugm3":9,"health":{"pms5003":"ok","sht4x":"fault:read"}}');
});

test("rounding to two decimals is the same arithmetic on every engine", () => {
  assert.equal(roundTo(21.12567, 2), 21.13);
  assert.equal(roundTo(-0.004, 2), -0);
  assert.equal(roundTo(45.005, 2), 45.01);
});

const valid = { thing: "aqm-1", endpoint: "abc-ats.iot.eu-west-1.amazonaws.com", port: 8883, sampleIntervalMs: 60_000, keepAliveMs: 300_000, queueCapacity: 500, led: { red: 25, green: 26, blue: 27 }, pms5003: { port: 2, receive: 16, transmit: 17 } };

test("a valid build config parses", () => {
  assert.deepEqual(parseBoardConfig(valid), valid);
});

test("each bad setting is named with what was expected and what was found", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...valid, thing: "has space" }, /^config\.thing: expected a thing name.*got "has space"$/],
    [{ ...valid, keepAliveMs: 1_500_000 }, /^config\.keepAliveMs: expected an integer from 30000 to 1200000, got 1500000$/],
    [{ ...valid, led: { red: 25, green: "26", blue: 27 } }, /^config\.led\.green: expected an integer from 0 to 48, got "26"$/],
    [{ ...valid, pms5003: undefined }, /^config\.pms5003\.port: expected an integer from 0 to 2, got undefined$/],
  ];
  for (const [config, message] of cases) {
    assert.throws(() => parseBoardConfig(config), (error) => error instanceof ConfigError && message.test(error.message), String(message));
  }
});
