import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { VmBoard } from "../../../../host-tools/board-sim/platform/VmBoard.ts";
import { LoopbackBroker } from "../../../../host-tools/board-sim/network/LoopbackBroker.ts";
import { AirReplay, humidityFromDewPoint, microgramsToPpb, parseStationCsv, StationDataError } from "../../../../host-tools/board-sim/scenarios/AirReplay.ts";
import { simulatedBoard } from "../../../../host-tools/board-sim/board/SimulatedBoard.ts";

const FIXTURE = "test/fixtures/air-quality/beijing-aotizhongxin-2013-03.csv";
const records = parseStationCsv(readFileSync(FIXTURE, "utf8"), FIXTURE);
const HEADER = '"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES","DEWP","RAIN","wd","WSPM","station"';

test("gas conversions match the published factors: at 20 °C and 1013 hPa, 1 ppb is 1.91 µg/m³ NO2, 2.00 O3, 2.66 SO2, 1.16 CO", () => {
  // UK Air Information Resource (Defra), conversion factors between ppb and µg/m³ at 20 °C and 1013 mb.
  for (const [gas, factor] of [
    ["NO2", 1.91],
    ["O3", 2.0],
    ["SO2", 2.66],
    ["CO", 1.16],
  ] as const) {
    const ppb = microgramsToPpb(gas, factor * 100, 20, 1013);
    assert.ok(Math.abs(ppb - 100) < 0.5, `${gas}: ${factor * 100} µg/m³ is ${ppb.toFixed(2)} ppb, expected 100`);
  }
  assert.ok(microgramsToPpb("NO2", 100, 0, 1013) < microgramsToPpb("NO2", 100, 30, 1013), "warmer air: the same mass is more ppb");
});

test("relative humidity from the dew point: equal means saturated; 20 °C over a 10 °C dew point is 52.6 %", () => {
  assert.equal(humidityFromDewPoint(20, 20), 100);
  assert.ok(Math.abs(humidityFromDewPoint(20, 10) - 52.6) < 0.3);
  assert.ok(humidityFromDewPoint(20, 5) < humidityFromDewPoint(20, 10), "a lower dew point is drier air");
});

test("the fixture's 1,200 rows parse with Beijing time read as UTC+8, NA kept as missing", () => {
  assert.equal(records.length, 1200);
  assert.equal(new Date(records[0]!.at).toISOString(), "2013-02-28T16:00:00.000Z", "1 March 2013 00:00 in Beijing");
  assert.deepEqual({ ...records[0]!.values }, { "PM2.5": 4, PM10: 4, SO2: 4, NO2: 7, CO: 300, O3: 77, TEMP: -0.7, PRES: 1023, DEWP: -18.8 });
  assert.ok(Number.isNaN(records[74]!.values.SO2), "row 75 has SO2 NA");
});

test("replay: on the hour it is the record; between hours it is linear; a missing value is bridged from its neighbours", () => {
  const startAt = Date.UTC(2026, 10, 22);
  const replay = new AirReplay(records, { startAt });
  const first = replay.at(startAt);
  assert.equal(first.pm2_5, 4);
  assert.ok(Math.abs(first.pm1 - 2.8) < 1e-9, "PM1 is assumed 0.7 × PM2.5");
  assert.ok(Math.abs(first.no2 - microgramsToPpb("NO2", 7, -0.7, 1023)) < 1e-9);
  const halfPast = replay.at(startAt + 30 * 60_000);
  assert.ok(Math.abs(halfPast.pm2_5 - 6) < 1e-9, "half way from 4 to 8");
  assert.ok(Math.abs(halfPast.temperature - -0.9) < 1e-9);
  // Row 75 (hour 74) has SO2 NA between 13 at hour 73 and 6 at hour 75.
  const bridged = replay.at(startAt + 74 * 3_600_000);
  assert.ok(Math.abs(bridged.so2 - microgramsToPpb("SO2", (records[73]!.values.SO2 + 6) / 2, 8.1, 1016.7)) < 1e-6);
  assert.deepEqual(replay.at(startAt + 10 * replay.durationMs), replay.at(startAt + replay.durationMs), "past the end the last record holds");
});

test("bad station data is refused with the line and column", () => {
  assert.throws(
    () =>
      parseStationCsv(
        `${HEADER}\n1,2013,3,1,0,4,4,4,7,300,77,-0.7,1023,-18.8,0,"N",4.4,"A"\n2,2013,3,1,1,8,x8,4,7,300,77,-1.1,1023.2,-18.2,0,"N",4.7,"A"`,
        "s.csv",
      ),
    (error: Error) => error instanceof StationDataError && /s\.csv line 3, column "PM10": "x8" is neither a number nor NA/.test(error.message),
  );
  assert.throws(
    () =>
      parseStationCsv(
        `${HEADER}\n1,2013,3,1,1,4,4,4,7,300,77,-0.7,1023,-18.8,0,"N",4.4,"A"\n2,2013,3,1,0,8,8,4,7,300,77,-1.1,1023.2,-18.2,0,"N",4.7,"A"`,
        "s.csv",
      ),
    /s\.csv line 3: time .* does not follow/,
  );
  assert.throws(() => parseStationCsv('"No","year"\n', "t.csv"), /t\.csv: the header has no column "month"/);
});

test("a simulated board breathing the replayed Beijing air reports it: after the gas warm-up every channel is ok and within the sensors' error of the record", async () => {
  const epochAtBoot = Date.UTC(2026, 10, 22);
  const replay = new AirReplay(records, { startAt: epochAtBoot });
  const broker = new LoopbackBroker();
  const board = simulatedBoard({
    thing: "aqm-replay",
    epochAtBoot,
    identity: { ca: Uint8Array.of(1), certificate: Uint8Array.of(2), key: Uint8Array.of(3) },
    mqtt: broker.connect,
    air: (t) => replay.at(t),
    config: { sampleIntervalMs: 60_000 },
  });
  const vm = await VmBoard.boot(board.sim);
  vm.advance(90 * 60_000);
  const readings = broker.json<Record<string, number> & { ts: number; seq: number; health: Record<string, string> }>(/\/telemetry$/);
  const late = readings.slice(-20);
  const tolerance: Record<string, [keyof ReturnType<AirReplay["at"]>, number]> = {
    temperature_c: ["temperature", 0.1],
    humidity_pct: ["humidity", 0.5],
    pm2_5_ugm3: ["pm2_5", 1.5],
    pm10_ugm3: ["pm10", 1.5],
    co_ppb: ["co", 5],
    no2_ppb: ["no2", 5],
    so2_ppb: ["so2", 5],
    o3_ppb: ["o3", 6],
  };
  for (const r of late) {
    for (const [channel, [truthKey, allowed]] of Object.entries(tolerance)) {
      assert.equal(r.health[channel], "ok", `seq ${r.seq} ${channel}`);
      const truth = replay.at(r.ts - 30_000)[truthKey];
      assert.ok(Math.abs(r[channel]! - truth) <= allowed, `seq ${r.seq} ${channel} = ${r[channel]}, replayed ${truth.toFixed(2)}`);
    }
  }
});
