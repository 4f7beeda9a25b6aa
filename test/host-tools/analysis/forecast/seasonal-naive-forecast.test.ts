import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Channel } from "../../../../firmware/telemetry/Channels.ts";
import { checkThingInLake, hourlyMeans } from "../../../../host-tools/analysis/forecast/HourlyMeans.ts";
import { FORECAST_HOURS } from "../../../../cloud/lib/forecastHorizon.ts";
import {
  POLLUTANTS,
  seasonalNaiveForecast,
  TooLittleHistory,
  type DeepArShapedForecast,
} from "../../../../host-tools/analysis/forecast/SeasonalNaiveForecast.ts";
import { LakeQuery } from "../../../../host-tools/local-cloud/lake/LakeQuery.ts";
import { curatedState, DAY, HOUR, MINUTE, records, T0 } from "../training/syntheticLake.ts";

/**
 * Day k (0 … 6) at UTC hour h: 30 − 2·|h − 12| (6 at midnight, 30 at noon) plus k − 3, the same
 * for the six readings of the hour, so the same hour over the week is {base − 3, …, base + 3}.
 */
const cycle = (ts: number): number => 30 - 2 * Math.abs(Math.floor((ts % DAY) / HOUR) - 12) + (Math.floor((ts - T0) / DAY) - 3);
const week = (thing: string, days: number) =>
  records({
    thing,
    from: T0,
    count: (days * DAY) / (10 * MINUTE),
    intervalMs: 10 * MINUTE,
    valueOf: (channel, ts) => (channel === "co_ppb" ? 10 * cycle(ts) : channel === "so2_ppb" ? undefined : cycle(ts)),
  });
const state = await curatedState([...week("aqm-fc-001", 7), ...week("aqm-fc-002", 2)]);
const lake = await LakeQuery.open(path.join(state, "lake"));
const forecastOf = async (thing: string, channel: Channel): Promise<DeepArShapedForecast> =>
  seasonalNaiveForecast(thing, channel, await hourlyMeans(lake, thing, channel));
const pm25 = await forecastOf("aqm-fc-001", "pm2_5_ugm3");

const base = Array.from({ length: 24 }, (_, h) => 30 - 2 * Math.abs(h - 12));

test("a known daily cycle: the forecast reproduces it hour by hour, with the spread of the week as its band", async () => {
  const [prediction] = pm25.predictions;
  assert.deepEqual(prediction.quantiles["0.5"], base);
  assert.deepEqual(prediction.mean, base);
  // Seven days at offsets −3 … 3: the 10 % quantile lies 0.6 of the way from −3 to −2.
  assert.deepEqual(
    prediction.quantiles["0.1"],
    base.map((v) => Math.round((v - 2.4) * 10_000) / 10_000),
  );
  assert.deepEqual(
    prediction.quantiles["0.9"],
    base.map((v) => Math.round((v + 2.4) * 10_000) / 10_000),
  );
  assert.deepEqual([prediction.mean[0], prediction.mean[12], prediction.quantiles["0.1"][12], prediction.quantiles["0.9"][12]], [6, 30, 27.6, 32.4]);
  for (let i = 0; i < FORECAST_HOURS; i++)
    assert.ok(
      prediction.quantiles["0.1"][i]! <= prediction.quantiles["0.5"][i]! && prediction.quantiles["0.5"][i]! <= prediction.quantiles["0.9"][i]!,
      `hour ${i}`,
    );
  const co = (await forecastOf("aqm-fc-001", "co_ppb")).predictions[0];
  assert.deepEqual(
    co.quantiles["0.5"],
    base.map((v) => 10 * v),
  );
});

test("DeepAR's response shape, field by field, with the series and the hour of the first value", () => {
  assert.deepEqual(Object.keys(pm25).sort(), ["channel", "freq", "id", "method", "predictions", "start", "thing"]);
  assert.equal(pm25.thing, "aqm-fc-001");
  assert.equal(pm25.channel, "pm2_5_ugm3");
  assert.equal(pm25.id, "aqm-fc-001/pm2_5_ugm3");
  assert.equal(pm25.freq, "H");
  // The last reading is on day 6 at 23:50: the forecast starts at the next hour, the start of day 7.
  assert.equal(pm25.start, new Date(T0 + 7 * DAY).toISOString());
  assert.equal(pm25.start, "2026-01-12T00:00:00.000Z");
  assert.ok(Array.isArray(pm25.predictions) && pm25.predictions.length === 1);
  const [prediction] = pm25.predictions;
  assert.deepEqual(Object.keys(prediction).sort(), ["mean", "quantiles"]);
  assert.deepEqual(Object.keys(prediction.quantiles).sort(), ["0.1", "0.5", "0.9"]);
  for (const values of [prediction.mean, prediction.quantiles["0.1"], prediction.quantiles["0.5"], prediction.quantiles["0.9"]]) {
    assert.equal(values.length, FORECAST_HOURS);
    assert.ok(values.every((v) => typeof v === "number" && Number.isFinite(v)));
  }
  // A consumer maps value i to the hour starting at start + i hours: the noon value is the 30 of the cycle.
  const at = (i: number): string => new Date(Date.parse(pm25.start) + i * HOUR).toISOString();
  assert.equal(at(12), "2026-01-12T12:00:00.000Z");
  assert.equal(prediction.mean[12], 30);
  assert.deepEqual(JSON.parse(JSON.stringify(pm25)), pm25, "plain JSON");
});

test("too little history: an error naming the thing, the channel and the hour short of days", async () => {
  await assert.rejects(forecastOf("aqm-fc-002", "pm2_5_ugm3"), (error: unknown) => {
    assert.ok(error instanceof TooLittleHistory);
    assert.equal(
      error.message,
      "aqm-fc-002 pm2_5_ugm3: too little history for a seasonal-naive forecast: 00:00 UTC has values on 2 of the previous 7 days, needs 3 (hourly data from 2026-01-05T00:00:00.000Z to 2026-01-06T23:00:00.000Z)",
    );
    return true;
  });
  await assert.rejects(
    forecastOf("aqm-fc-001", "so2_ppb"),
    (error: unknown) => error instanceof TooLittleHistory && error.message === "aqm-fc-001 so2_ppb: no readings of this channel in the curated lake",
  );
  await assert.rejects(checkThingInLake(lake, "aqm-fc-404"), /no readings of thing "aqm-fc-404" in the curated lake \(things: aqm-fc-001, aqm-fc-002\)/);
});

test("hourly means are the lake's: one per UTC hour with data", async () => {
  const hours = await hourlyMeans(lake, "aqm-fc-001", "pm2_5_ugm3");
  assert.equal(hours.length, 7 * 24);
  assert.deepEqual(hours[0], { hour: T0, value: 6 - 3 });
  assert.deepEqual(hours.at(-1), { hour: T0 + 7 * DAY - HOUR, value: 8 + 3 });
});

const AQM = fileURLToPath(new URL("../../../../host-tools/field/cli/aqm.ts", import.meta.url));
function aqm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", AQM, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("aqm forecast: one channel as an object with its guideline crossing, every pollutant as an array, the ones short of history named", () => {
  const one = aqm("forecast", "--thing", "aqm-fc-001", "--channel", "pm2_5_ugm3", "--state", state);
  assert.equal(one.status, 0, one.stderr);
  const { limitCrossing, ...shape } = JSON.parse(one.stdout);
  assert.deepEqual(shape, pm25);
  // The day's cycle averages 18 µg/m³: above PM2.5's 24-hour guideline (15) from the forecast's first hour.
  assert.deepEqual(limitCrossing, { pollutant: "PM2.5", level: 15, averagingHours: 24, from: pm25.start, forecastMean: 18 });
  const all = aqm("forecast", "--thing", "aqm-fc-001", "--state", state);
  assert.equal(all.status, 0, all.stderr);
  assert.deepEqual(
    (JSON.parse(all.stdout) as DeepArShapedForecast[]).map((f) => f.channel),
    POLLUTANTS.filter((c) => c !== "so2_ppb"),
  );
  assert.equal(all.stderr, "aqm forecast: aqm-fc-001 so2_ppb: no readings of this channel in the curated lake\n");
  const short = aqm("forecast", "--thing", "aqm-fc-002", "--channel", "o3_ppb", "--state", state);
  assert.equal(short.status, 1);
  assert.match(short.stderr, /^aqm forecast: aqm-fc-002 o3_ppb: too little history/);
  const bad = aqm("forecast", "--thing", "aqm-fc-001", "--channel", "pm25", "--state", state);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--channel must be one of temperature_c, .*o3_ppb, not "pm25"/);
});

test.after(() => lake.close());
