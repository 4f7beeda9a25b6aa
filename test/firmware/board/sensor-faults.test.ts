import assert from "node:assert/strict";
import { test } from "node:test";
import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels";
import { VmBoard } from "../../../host-tools/board-sim/platform/VmBoard.ts";
import type { AirSample } from "../../../host-tools/board-sim/scenarios/SyntheticAir.ts";
import type { SimulatedBoard } from "../../../host-tools/board-sim/board/SimulatedBoard.ts";
import { loopbackBoard } from "./loopbackBoard.ts";

/**
 * Every fault the simulated parts can show, one after another on one board, through the real
 * firmware under the virtual clock. Each reading is checked twice: inside a fault window its
 * health names the fault, and wherever a value is reported as ok it is within the sensors' own
 * error of the air the board was given.
 */

const IDENTITY = { ca: Uint8Array.of(0x30, 1), certificate: Uint8Array.of(0x30, 2), key: Uint8Array.of(0x30, 3) };
const EPOCH = Date.UTC(2026, 10, 22);
const MINUTE = 60_000;
const SAMPLE_MS = MINUTE;

/**
 * Air that changes slowly (a six-hour swing), so a sensor frozen for the two minutes its stuck
 * check needs is still within tolerance, and a wrong value stands out from the truth.
 */
function steadyAir(epochMs: number): AirSample {
  const swing = Math.sin((2 * Math.PI * (epochMs - EPOCH)) / (6 * 60 * MINUTE));
  return {
    temperature: 21 + 2 * swing,
    humidity: 50 - 5 * swing,
    pm1: 8 + 2 * swing,
    pm2_5: 12 + 3 * swing,
    pm10: 20 + 4 * swing,
    co: 300 + 50 * swing,
    no2: 20 + 5 * swing,
    so2: 5 + swing,
    o3: 30 + 6 * swing,
  };
}

/** How far a reported ok value may be from the truth: sensor noise and quantisation averaged over a minute, with margin. */
const TOLERANCE: Readonly<Record<Channel, number>> = {
  temperature_c: 0.1,
  humidity_pct: 0.5,
  pm1_ugm3: 1.5,
  pm2_5_ugm3: 1.5,
  pm10_ugm3: 1.5,
  co_ppb: 5,
  no2_ppb: 5,
  so2_ppb: 5,
  o3_ppb: 6,
};
const TRUTH_KEY: Readonly<Record<Channel, keyof AirSample>> = {
  temperature_c: "temperature",
  humidity_pct: "humidity",
  pm1_ugm3: "pm1",
  pm2_5_ugm3: "pm2_5",
  pm10_ugm3: "pm10",
  co_ppb: "co",
  no2_ppb: "no2",
  so2_ppb: "so2",
  o3_ppb: "o3",
};

interface FaultWindow {
  readonly name: string;
  /** Board minutes. */
  readonly from: number;
  readonly to: number;
  /** Readings that start within this many minutes of `from` may still be ok: detection needs that many reads. */
  readonly detectMinutes?: number;
  readonly expect: Partial<Record<Channel, string>>;
  readonly inject: (board: SimulatedBoard) => void;
  readonly clear: (board: SimulatedBoard) => void;
}

const SHT = ["temperature_c", "humidity_pct"] as const;
const PM = ["pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3"] as const;
const each = (channels: readonly Channel[], health: string) => Object.fromEntries(channels.map((c) => [c, health]));

/** The gas cells' warm-up is one hour (B4_WARM_UP_MS); the SO2 cell settles slowly until this minute. */
const SLOW_SO2_UNTIL = 80;

const WINDOWS: readonly FaultWindow[] = [
  {
    name: "SO2 cell warms up slowly",
    from: 60,
    to: SLOW_SO2_UNTIL,
    expect: { so2_ppb: "fault:range" },
    inject: () => {},
    clear: (b) => (b.gasCells.so2.faults = {}),
  },
  {
    name: "SHT4x temperature CRC wrong",
    from: 85,
    to: 95,
    expect: { temperature_c: "fault:crc" },
    inject: (b) => (b.climate.faults = { crc: "temperature" }),
    clear: (b) => (b.climate.faults = {}),
  },
  {
    name: "SHT4x NACKs",
    from: 100,
    to: 110,
    expect: each(SHT, "fault:nack"),
    inject: (b) => (b.climate.faults = { nack: true }),
    clear: (b) => (b.climate.faults = {}),
  },
  {
    name: "SHT4x never finishes a measurement",
    from: 115,
    to: 125,
    expect: each(SHT, "fault:timeout"),
    inject: (b) => (b.climate.faults = { timeout: true }),
    clear: (b) => (b.climate.faults = {}),
  },
  {
    name: "SHT4x frozen",
    from: 130,
    to: 140,
    detectMinutes: 2,
    expect: each(SHT, "fault:stuck"),
    inject: (b) => (b.climate.faults = { stuck: true }),
    clear: (b) => (b.climate.faults = {}),
  },
  {
    name: "SHT4x reports 130 °C",
    from: 145,
    to: 155,
    expect: { temperature_c: "fault:range" },
    inject: (b) => (b.climate.faults = { temperatureWord: 0xffff }),
    clear: (b) => (b.climate.faults = {}),
  },
  {
    name: "PMS5003 checksum wrong",
    from: 160,
    to: 170,
    expect: each(PM, "fault:checksum"),
    inject: (b) => (b.particulates.faults = { checksum: true }),
    clear: (b) => (b.particulates.faults = {}),
  },
  // Each cut frame runs into the next one: the parser sees 32 bytes whose sum does not match, then resynchronises on the next header.
  {
    name: "PMS5003 frames cut short",
    from: 175,
    to: 185,
    expect: each(PM, "fault:checksum"),
    inject: (b) => (b.particulates.faults = { truncated: true }),
    clear: (b) => (b.particulates.faults = {}),
  },
  {
    name: "PMS5003 unplugged, then plugged back",
    from: 190,
    to: 200,
    expect: each(PM, "fault:no-data"),
    inject: (b) => (b.particulates.faults = { silent: true }),
    clear: (b) => (b.particulates.faults = {}),
  },
  {
    name: "PMS5003 sends zeros (dead fan or laser)",
    from: 205,
    to: 215,
    expect: each(PM, "fault:zero"),
    inject: (b) => (b.particulates.faults = { zeros: true }),
    clear: (b) => (b.particulates.faults = {}),
  },
  {
    name: "PMS5003 frozen",
    from: 220,
    to: 230,
    detectMinutes: 2,
    expect: each(PM, "fault:stuck"),
    inject: (b) => (b.particulates.faults = { stuck: true }),
    clear: (b) => (b.particulates.faults = {}),
  },
  {
    name: "PMS5003 reports 2000 µg/m³",
    from: 235,
    to: 245,
    expect: each(PM, "fault:range"),
    inject: (b) => (b.particulates.faults = { outOfRange: 2000 }),
    clear: (b) => (b.particulates.faults = {}),
  },
  {
    name: "ADS1115 0x48 NACKs",
    from: 250,
    to: 260,
    expect: { co_ppb: "fault:nack", no2_ppb: "fault:nack", o3_ppb: "fault:no2" },
    inject: (b) => (b.gasAdcs[0].faults = { nack: true }),
    clear: (b) => (b.gasAdcs[0].faults = {}),
  },
  {
    name: "ADS1115 0x49 never finishes a conversion",
    from: 265,
    to: 275,
    expect: { so2_ppb: "fault:timeout", o3_ppb: "fault:timeout" },
    inject: (b) => (b.gasAdcs[1].faults = { neverReady: true }),
    clear: (b) => (b.gasAdcs[1].faults = {}),
  },
  {
    // At ±4.096 V the 3.3 V pull-ups no longer saturate the ADC: the electrode check names the open input.
    name: "CO cell unplugged: its inputs sit at the 3.3 V rail",
    from: 280,
    to: 290,
    expect: { co_ppb: "fault:electrode" },
    inject: (b) => (b.gasCells.co.faults = { unplugged: true }),
    clear: (b) => (b.gasCells.co.faults = {}),
  },
  {
    name: "ADS1115 0x49 unplugged from the bus, then plugged back",
    from: 295,
    to: 305,
    expect: { so2_ppb: "fault:nack", o3_ppb: "fault:nack" },
    inject: (b) => b.sim.i2c(0).detach(0x49),
    clear: (b) => b.sim.i2c(0).attach(b.gasAdcs[1]),
  },
  {
    // 0 V on both electrodes converts to a believable NO2 level at some temperatures; the reading must be a fault instead.
    name: "NO2 board's outputs shorted to ground",
    from: 310,
    to: 320,
    expect: { no2_ppb: "fault:electrode", o3_ppb: "fault:no2" },
    inject: (b) => (b.gasCells.no2.faults = { shorted: true }),
    clear: (b) => (b.gasCells.no2.faults = {}),
  },
];
const END_MINUTES = 325;

type Reading = Record<string, unknown> & { seq: number; ts: number; health: Record<Channel, string> };

async function runScenario(): Promise<{ readings: Reading[]; console: readonly string[] }> {
  const board = loopbackBoard({
    thing: "aqm-faults",
    epochAtBoot: EPOCH,
    identity: IDENTITY,
    air: { at: steadyAir },
    config: { sampleIntervalMs: SAMPLE_MS, readIntervalMs: 5000 },
  });
  board.gasCells.so2.faults = { slowWarmUp: true };
  const vm = await VmBoard.boot(board.sim);
  const events = WINDOWS.flatMap((w) => [
    { at: w.from, act: () => w.inject(board) },
    { at: w.to, act: () => w.clear(board) },
  ]).sort((a, b) => a.at - b.at);
  let now = 0;
  for (const event of events) {
    vm.advance((event.at - now) * MINUTE);
    now = event.at;
    event.act();
  }
  vm.advance((END_MINUTES - now) * MINUTE);
  const readings = board.broker.readings<Reading>(/\/telemetry$/);
  return { readings, console: board.sim.console };
}

/** A reading covers the sample interval that ends at its timestamp. */
const startMinute = (r: Reading) => (r.ts - EPOCH - SAMPLE_MS) / MINUTE;
const endMinute = (r: Reading) => (r.ts - EPOCH) / MINUTE;

test("every injected sensor fault yields its health code on exactly the affected channels, and no wrong value is reported as ok", async () => {
  const { readings, console: lines } = await runScenario();
  assert.ok(readings.length >= END_MINUTES - 1, `a reading a minute (got ${readings.length})`);

  for (const window of WINDOWS) {
    const inside = readings.filter((r) => startMinute(r) >= window.from + (window.detectMinutes ?? 0) && endMinute(r) <= window.to);
    assert.ok(inside.length >= 5, `${window.name}: readings inside the window (${inside.length})`);
    for (const r of inside) {
      for (const { name } of CHANNELS) {
        const expected = window.expect[name] ?? "ok";
        assert.equal(r.health[name], expected, `${window.name}: seq ${r.seq} ${name}`);
        if (expected.startsWith("fault")) assert.equal(r[name], undefined, `${window.name}: seq ${r.seq} ${name} has a value despite ${expected}`);
      }
    }
  }

  const clean = readings.filter((r) => startMinute(r) >= SLOW_SO2_UNTIL && WINDOWS.every((w) => endMinute(r) <= w.from || startMinute(r) >= w.to + 1));
  assert.ok(clean.length >= 40, `readings away from every fault (${clean.length})`);
  for (const r of clean) for (const { name } of CHANNELS) assert.equal(r.health[name], "ok", `seq ${r.seq} (minute ${endMinute(r)}) ${name} between faults`);

  // The board's clock comes from SNTP in whole seconds, so its timestamps may run up to a second behind board time.
  const warmup = readings.filter((r) => endMinute(r) < 59);
  assert.ok(
    warmup.every((r) => ["co_ppb", "no2_ppb", "so2_ppb", "o3_ppb"].every((gas) => r.health[gas as Channel] === "warming" && r[gas] === undefined)),
    "gas is warming for the cells' first hour",
  );

  let checked = 0;
  for (const r of readings) {
    for (const { name } of CHANNELS) {
      const value = r[name];
      if (r.health[name] !== "ok") {
        assert.equal(value, undefined, `seq ${r.seq} ${name}: a value with health ${r.health[name]}`);
        continue;
      }
      assert.equal(typeof value, "number", `seq ${r.seq} ${name}: ok without a value`);
      const truth = steadyAir(r.ts - SAMPLE_MS / 2)[TRUTH_KEY[name]];
      assert.ok(
        Math.abs((value as number) - truth) <= TOLERANCE[name],
        `seq ${r.seq} (minute ${endMinute(r)}) ${name} = ${value as number}, truth ${truth.toFixed(2)}: a wrong value reported as ok`,
      );
      checked++;
    }
  }
  assert.ok(checked > 2000, `ok values compared with the truth (${checked})`);

  const faultLines = lines.filter((line) => line.split(" ")[3] === "SN200");
  for (const window of WINDOWS) {
    for (const [channel, health] of Object.entries(window.expect) as [Channel, string][]) {
      const code = health.replace("fault:", "");
      assert.ok(
        faultLines.some((line) => line.includes(`channel=${channel} code=${code} `)),
        `${window.name}: an SN200 line for ${channel} with code ${code}`,
      );
    }
  }
});

test("with no calibration record stored, every gas channel is fault:uncalibrated from the start and the others are ok", async () => {
  const board = loopbackBoard({
    thing: "aqm-uncal",
    epochAtBoot: EPOCH,
    identity: IDENTITY,
    air: { at: steadyAir },
    calibration: null,
    config: { sampleIntervalMs: SAMPLE_MS },
  });
  const vm = await VmBoard.boot(board.sim);
  vm.advance(5 * MINUTE);
  const readings = board.broker.readings<Reading>(/\/telemetry$/);
  assert.ok(readings.length >= 4);
  for (const r of readings) {
    for (const gas of ["co_ppb", "no2_ppb", "so2_ppb", "o3_ppb"] as const) {
      assert.equal(r.health[gas], "fault:uncalibrated");
      assert.equal(r[gas], undefined);
    }
    assert.equal(r.health.temperature_c, "ok");
  }
  assert.ok(
    board.sim.console.some((line) => line.split(" ")[3] === "CF131" || line.split(" ")[3] === "CF132"),
    "the missing record is on the log at boot",
  );
});

test("CO up to the ISB's rail is a value: 6 ppm, past where a ±2.048 V ADC would saturate, reads within its tolerance", async () => {
  const co = 6000;
  const board = loopbackBoard({
    thing: "aqm-high-co",
    epochAtBoot: EPOCH,
    identity: IDENTITY,
    air: { at: (epochMs) => ({ ...steadyAir(epochMs), co }) },
    config: { sampleIntervalMs: SAMPLE_MS },
  });
  // The simulated CO-B4 puts 6 ppm at about 2.86 V on its working electrode, beyond ±2.048 V and inside 3.3 V.
  const { weMv } = board.gasCells.co.electrodes(co, 21, 0);
  assert.ok(weMv > 2048 && weMv < 3200, `${weMv} mV`);
  const vm = await VmBoard.boot(board.sim);
  vm.advance(70 * MINUTE);
  const settled = board.broker.readings<Reading>(/\/telemetry$/).filter((r) => endMinute(r) >= 62);
  assert.ok(settled.length >= 5, `readings after the warm-up (${settled.length})`);
  for (const r of settled) {
    assert.equal(r.health.co_ppb, "ok", `seq ${r.seq}`);
    assert.ok(Math.abs((r.co_ppb as number) - co) <= TOLERANCE.co_ppb, `seq ${r.seq} co_ppb = ${r.co_ppb as number}`);
  }
});
