/**
 * `aqm forecast --all --save` writes the lake's forecasts table, and the named queries read it as
 * Athena reads the cloud's: tomorrow's forecast for a board, and the boards whose forecast
 * crosses a WHO 2021 guideline, the same crossings `aqm forecast` prints.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { PrintedForecast } from "../../../../host-tools/analysis/forecast/ForecastCommand.ts";
import { curatedState, DAY, HOUR, MINUTE, records } from "../training/syntheticLake.ts";

const AQM = fileURLToPath(new URL("../../../../host-tools/field/cli/aqm.ts", import.meta.url));
function aqm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", AQM, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A week up to today's midnight (UTC), so the forecasts are for today: the named queries read the recent date partitions only.
const from = Math.floor(Date.now() / DAY) * DAY - 7 * DAY;
const hourOf = (ts: number) => Math.floor((ts % DAY) / HOUR);
const week = (thing: string, pm25: (ts: number) => number, o3: (ts: number) => number) =>
  records({
    thing,
    from,
    count: (7 * DAY) / (10 * MINUTE),
    intervalMs: 10 * MINUTE,
    valueOf: (c, ts) => (c === "pm2_5_ugm3" ? pm25(ts) : c === "o3_ppb" ? o3(ts) : 4),
  });
const state = await curatedState([
  // Dirty: PM2.5 at 20 µg/m³ (24-hour guideline 15); ozone at 70 ppb from 10:00 to 17:59 (8-hour guideline 50.94 ppb), 20 otherwise.
  ...week(
    "aqm-dirty",
    () => 20,
    (ts) => (hourOf(ts) >= 10 && hourOf(ts) < 18 ? 70 : 20),
  ),
  // Clean: PM2.5 at 5, ozone at 70 for four hours only, which no 8-hour mean lifts above the level.
  ...week(
    "aqm-clean",
    () => 5,
    (ts) => (hourOf(ts) >= 10 && hourOf(ts) < 14 ? 70 : 20),
  ),
]);

const run = aqm("forecast", "--all", "--save", "--state", state);
const printed = JSON.parse(run.stdout) as PrintedForecast[];

test("aqm forecast --all --save: every board's pollutants forecast, saved, each with its guideline crossing", () => {
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /saved 14 forecasts in 2 files of the lake's forecasts table/);
  const crossings = printed.filter((f) => f.limitCrossing).map((f) => [f.thing, f.channel, f.limitCrossing!.from, f.limitCrossing!.forecastMean]);
  const today = new Date(from + 7 * DAY);
  const at = (h: number) => new Date(today.getTime() + h * HOUR).toISOString();
  assert.deepEqual(crossings, [
    ["aqm-dirty", "pm2_5_ugm3", at(0), 20],
    // 07:00–14:59 holds five hours at 70 and three at 20: 51.25 ppb, the first 8-hour window above 50.94.
    ["aqm-dirty", "o3_ppb", at(7), 70],
  ]);
});

test("forecast-limit-crossings finds the same crossings in the saved table as aqm forecast printed", () => {
  const q = aqm("query", "forecast-limit-crossings", "--state", state, "--format", "json");
  assert.equal(q.status, 0, q.stderr);
  const utc = (iso: string) => `${iso.slice(0, 19).replace("T", " ")}+00`;
  assert.deepEqual(
    (JSON.parse(q.stdout) as Record<string, unknown>[]).map((r) => [
      r.thing,
      r.channel,
      r.pollutant,
      r.from_utc,
      r.forecast_mean,
      r.guideline_level,
      r.averaging_hours,
    ]),
    printed
      .filter((f) => f.limitCrossing)
      .map((f) => [
        f.thing,
        f.channel,
        f.limitCrossing!.pollutant,
        utc(f.limitCrossing!.from),
        f.limitCrossing!.forecastMean,
        f.limitCrossing!.level,
        f.limitCrossing!.averagingHours,
      ])
      .sort((a, b) => `${a[0]}/${a[1]}`.localeCompare(`${b[0]}/${b[1]}`)),
  );
});

test("forecast-next-24h: the board's newest forecast hour by hour; without its --param it is refused saying what it takes", () => {
  const q = aqm("query", "forecast-next-24h", "--param", "aqm-clean", "--state", state, "--format", "json");
  assert.equal(q.status, 0, q.stderr);
  const rows = JSON.parse(q.stdout) as Record<string, unknown>[];
  assert.equal(rows.length, 7 * 24);
  const o3 = printed.find((f) => f.thing === "aqm-clean" && f.channel === "o3_ppb")!;
  assert.deepEqual(
    rows.filter((r) => r.channel === "o3_ppb").map((r) => r.mean),
    o3.predictions[0].mean.map((m) => Math.round(m * 100) / 100),
  );
  const missing = aqm("query", "forecast-next-24h", "--state", state);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /named query forecast-next-24h takes 1 --param \(thing\), got 0/);
});

test("a second --save adds files; the queries read each series' newest forecast only", () => {
  const again = aqm("forecast", "--thing", "aqm-clean", "--channel", "o3_ppb", "--save", "--state", state);
  assert.equal(again.status, 0, again.stderr);
  const q = aqm(
    "query",
    "SELECT channel, count(*) AS hours, count(DISTINCT issued_at) AS saves FROM forecasts WHERE thing = ? GROUP BY channel ORDER BY channel",
    "--param",
    "aqm-clean",
    "--state",
    state,
    "--format",
    "json",
  );
  assert.deepEqual(
    (JSON.parse(q.stdout) as Record<string, unknown>[]).find((r) => r.channel === "o3_ppb"),
    { channel: "o3_ppb", hours: 48, saves: 2 },
  );
  const next = JSON.parse(aqm("query", "forecast-next-24h", "--param", "aqm-clean", "--state", state, "--format", "json").stdout) as Record<string, unknown>[];
  assert.equal(next.length, 7 * 24, "one forecast per series: o3's second save replaced its first");
});
