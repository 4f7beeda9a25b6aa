import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_SCORER_CONFIG } from "../../../../firmware/anomaly/ScorerConfig.ts";
import { ForecastInputError, parseDeepArForecast } from "../../../../host-tools/analysis/report/DeepArForecast.ts";
import { readLakeReport, type ReportData } from "../../../../host-tools/analysis/report/LakeReport.ts";
import { reportCommand } from "../../../../host-tools/analysis/report/ReportCommand.ts";
import { renderReportPage } from "../../../../host-tools/analysis/report/ReportPage.ts";
import { ReportServer } from "../../../../host-tools/analysis/report/ReportServer.ts";
import { HOUR } from "../../local-cloud/lake/rawFixture.ts";
import { A_READINGS, ANOMALY_AT, ANOMALY_SCORE, B_READINGS, BOARD_A, BOARD_B, curatedReportLake, pm25Forecast } from "./reportLakeFixture.ts";

const lake = await curatedReportLake();

function oneBoard(thing: string, faultCode: string): ReportData {
  const values = (v: number | null) => [v, v];
  return {
    generatedAt: 0,
    lakeDir: "/lake",
    threshold: 0.025,
    windowHours: 48,
    curatedReadings: 2,
    fleetSize: 1,
    span: { from: 0, to: 60_000 },
    boards: [
      {
        thing,
        lastReadingAt: 60_000,
        times: [0, 60_000],
        gaps: [],
        anomaly: [0.5, 0.01],
        anomalyMarks: [{ reading: 0, ts: 0, score: 0.5 }],
        channels: [
          { channel: "co_ppb", unit: "ppb", values: values(null), spans: [{ state: "fault", from: 0, to: 60_000, codes: [faultCode] }], forecast: null },
          { channel: "o3_ppb", unit: "ppb", values: values(30), spans: [], forecast: null },
        ],
      },
    ],
  };
}

test("strings from the data are escaped: a thing named <script> is text, not markup, in content and attributes", () => {
  const html = renderReportPage(oneBoard(`<script>alert(1)</script>"x'`, "<img src=x onerror=alert(2)>"));
  assert.doesNotMatch(html, /<script|<img/i);
  assert.match(html, /<h2 id="board-1-name">&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;x&#39;<\/h2>/);
  assert.match(html, /data-thing="&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;x&#39;"/);
  assert.match(html, /<title>sensor fault \(&lt;img src=x onerror=alert\(2\)&gt;\) from /);
  assert.match(html, /<desc id="board-1-co_ppb-desc">[^<]*sensor fault \(&lt;img src=x onerror=alert\(2\)&gt;\) from /);
  // The ids the charts' accessible names point at are the page's own, never the thing's.
  assert.match(html, /aria-labelledby="board-1-o3_ppb-title board-1-o3_ppb-desc"/);
});

test("a long run is drawn through each pixel column's extremes, so a spike among 20 000 readings still shows", () => {
  const times = Array.from({ length: 20_000 }, (_, i) => i * 5_000);
  const values = times.map((_, i) => (i === 12_345 ? 50 : 10 + (i % 3)));
  const data = oneBoard("aqm-busy-001", "nack");
  const board = {
    ...data.boards[0]!,
    times,
    anomaly: times.map(() => null),
    anomalyMarks: [],
    channels: [{ channel: "o3_ppb" as const, unit: "ppb", values, spans: [], forecast: null }],
  };
  const html = renderReportPage({ ...data, span: { from: 0, to: times.at(-1)! }, boards: [board] });
  const points = html
    .match(/class="reading-line" points="([^"]*)"/)![1]!
    .split(" ")
    .map((p) => p.split(",").map(Number));
  assert.ok(points.length > 600 && points.length <= 2 * 656, `${points.length} points drawn`);
  assert.ok(
    points.every(([x], i) => i === 0 || x! >= points[i - 1]![0]!),
    "in time order",
  );
  assert.deepEqual(
    [Math.min(...points.map(([, y]) => y!)), Math.max(...points.map(([, y]) => y!))],
    [10, 154],
    "the spike (plot top) and the lowest readings (plot bottom at 10 ppb)",
  );
  assert.match(html, /O₃ of aqm-busy-001 in ppb: 20000 readings, from 10 to 50/);
});

test("an empty lake: a page saying there is no curated data yet, and the commands that make some", async () => {
  const state = mkdtempSync(path.join(tmpdir(), "aqm-report-empty-"));
  const data = await readLakeReport({ lakeDir: path.join(state, "lake"), now: 0 });
  assert.deepEqual({ readings: data.curatedReadings, boards: data.boards, span: data.span }, { readings: 0, boards: [], span: null });
  const html = renderReportPage(data);
  assert.match(html, /<h2>No curated data yet<\/h2>/);
  assert.ok(html.includes(`<code>npm start -- --state ${state}</code>`));
  assert.ok(html.includes(`<code>npm run aqm -- etl --state ${state}</code>`));
  assert.doesNotMatch(html, /<svg class="chart"|<nav/);
});

test("page data: each board's readings in the window, anomaly marks at the threshold, NULL kept as null", async () => {
  const data = await readLakeReport({ lakeDir: lake.lakeDir });
  assert.equal(data.curatedReadings, A_READINGS + B_READINGS + 1);
  assert.deepEqual(
    data.boards.map((b) => [b.thing, b.times.length, b.lastReadingAt]),
    [
      [BOARD_A, A_READINGS, lake.aTimes.at(-1)],
      [BOARD_B, B_READINGS, lake.bTimes.at(-1)],
    ],
  );
  const [a, b] = data.boards;
  assert.deepEqual(a!.times, lake.aTimes, "the reading three days old is outside the 48-hour window");
  assert.deepEqual(a!.anomalyMarks, [{ reading: ANOMALY_AT, ts: lake.aTimes[ANOMALY_AT], score: ANOMALY_SCORE }]);
  assert.deepEqual(b!.anomalyMarks, []);
  const co = b!.channels.find((c) => c.channel === "co_ppb")!;
  assert.deepEqual(
    co.values.map((v, i) => (v === null ? i : -1)).filter((i) => i >= 0),
    [0, 1, 2, 5, 6, 7, 8, 13, 14, 15],
    "warming after each power-on, the fault in between",
  );
  assert.equal(co.unit, "ppb");
  assert.deepEqual(data.span, { from: lake.base, to: lake.aTimes.at(-1) });
  assert.ok(a!.channels.every((c) => c.forecast === null));

  const wider = await readLakeReport({ lakeDir: lake.lakeDir, windowHours: 80, threshold: 0.92 });
  assert.equal(wider.boards[0]!.times.length, A_READINGS + 1);
  assert.deepEqual(wider.boards[0]!.anomalyMarks, [{ reading: 0, ts: lake.oldReadingAt, score: 0.95 }], "only the old reading's 0.95 reaches 0.92");
});

test("a forecast is placed on its board and channel, hourly from its start, and widens the charts' span", async () => {
  const forecast = parseDeepArForecast(pm25Forecast(lake), "test");
  const data = await readLakeReport({ lakeDir: lake.lakeDir, forecasts: [forecast] });
  const band = data.boards[0]!.channels.find((c) => c.channel === "pm2_5_ugm3")!.forecast!;
  const start = lake.aTimes.at(-1)! + HOUR;
  assert.deepEqual(
    band.times,
    Array.from({ length: 24 }, (_, i) => start + i * HOUR),
  );
  assert.deepEqual([band.mean, band.p10, band.p90], [forecast.mean, forecast.p10, forecast.p90]);
  assert.equal(data.span!.to, start + 23 * HOUR);
  assert.equal(data.boards.flatMap((b) => b.channels).filter((c) => c.forecast !== null).length, 1);
  const html = renderReportPage(data);
  assert.equal(html.match(/class="forecast-band"/g)?.length, 1);

  const elsewhere = await readLakeReport({ lakeDir: lake.lakeDir, forecasts: [{ ...forecast, thing: "aqm-rep-009" }] });
  assert.deepEqual(
    elsewhere.boards.map((b) => [b.thing, b.times.length, b.lastReadingAt]),
    [
      [BOARD_A, 30, lake.aTimes.at(-1)],
      [BOARD_B, 20, lake.bTimes.at(-1)],
      ["aqm-rep-009", 0, null],
    ],
  );
});

test("a DeepAR response that does not fit is refused with what is wrong and where", () => {
  const good = pm25Forecast(lake);
  const prediction = (good.predictions as Record<string, unknown>[])[0]!;
  const refusals: [unknown, RegExp][] = [
    ["a forecast", /^forecast f\.json: expected a JSON object, got "a forecast"$/],
    [[1, 2], /^forecast f\.json: expected a JSON object, got \[1,2\]$/],
    [{ ...good, channel: "pm25" }, /forecast f\.json: "channel" must be one of temperature_c, .*, got "pm25"/],
    [{ ...good, start: "yesterday" }, /"start" must be an ISO 8601 time or an integer of ms/],
    [{ ...good, predictions: [prediction, prediction] }, /"predictions" must hold exactly one prediction .*, got 2/],
    [{ ...good, predictions: [[1]] }, /^forecast f\.json: predictions\[0\] must be an object, got \[1\]$/],
    [{ ...good, predictions: [null] }, /^forecast f\.json: predictions\[0\] must be an object, got null$/],
    [{ ...good, predictions: [{ ...prediction, mean: [] }] }, /^forecast f\.json: predictions\[0\]\.mean is empty$/],
    [
      { ...good, predictions: [{ ...prediction, quantiles: [[1], [2]] }] },
      /^forecast f\.json: predictions\[0\]\.quantiles must be an object, got \[\[1\],\[2\]\]$/,
    ],
    [{ ...good, predictions: [{ mean: prediction.mean }] }, /^forecast f\.json: predictions\[0\]\.quantiles must be an object, got nothing$/],
    [
      { ...good, predictions: [{ ...prediction, quantiles: { "0.1": [1], "0.9": prediction.mean as number[] } }] },
      /quantiles\["0\.1"\] has 1 values, the mean 24/,
    ],
    [{ ...good, predictions: [{ ...prediction, quantiles: { "0.1": prediction.mean } }] }, /quantiles\["0\.9"\] must be an array of numbers, got nothing/],
    [{ ...good, predictions: [{ ...prediction, mean: [1, "2"] }] }, /predictions\[0\]\.mean\[1\] must be a finite number, got "2"/],
  ];
  for (const [input, message] of refusals)
    assert.throws(
      () => parseDeepArForecast(input, "f.json"),
      (e: unknown) => {
        assert.ok(e instanceof ForecastInputError, String(e));
        assert.match(e.message, message);
        return true;
      },
    );
  assert.equal(parseDeepArForecast({ ...good, start: 1_700_000_000_000 }, "f.json").start, 1_700_000_000_000);
});

test("the page names every chart's unit and has a legend and a board index", async () => {
  const html = renderReportPage(await readLakeReport({ lakeDir: lake.lakeDir }));
  for (const label of [
    "Temperature (°C)",
    "Humidity (%RH)",
    "PM1 (µg/m³)",
    "PM2.5 (µg/m³)",
    "PM10 (µg/m³)",
    "CO (ppb)",
    "NO₂ (ppb)",
    "SO₂ (ppb)",
    "O₃ (ppb)",
    "anomaly score (0–1)",
  ]) {
    assert.equal(html.split(`>${label}</text>`).length - 1, 2, `${label} on both boards' value axes`);
  }
  // The page states the board's default threshold, whatever it is.
  const shown = String(DEFAULT_SCORER_CONFIG.threshold).replace(".", "\\.");
  assert.match(html, new RegExp(`<section class="legend" aria-label="Legend">.*anomalous reading \\(score ≥ ${shown}\\).*sensor fault.*forecast 10–90 % band`));
  assert.match(
    html,
    /<nav aria-label="Boards"><ul><li><a href="#board-1">aqm-rep-001<\/a> \(30 readings, 1 anomalous\)<\/li><li><a href="#board-2">aqm-rep-002<\/a> \(20 readings, 0 anomalous\)/,
  );
  assert.doesNotMatch(html, /<script|https?:\/\/|<link/, "self-contained: nothing to fetch, nothing to run");
});

test("aqm report writes the page to --out; bad usage exits 2, a bad forecast file 1, each saying why", async () => {
  const out = path.join(lake.stateDir, "pages", "report.html");
  const forecastFile = path.join(lake.stateDir, "forecast.json");
  writeFileSync(forecastFile, JSON.stringify([pm25Forecast(lake)]));
  const said: string[] = [];
  const output = { stdout: (t: string) => said.push(`out: ${t}`), stderr: (t: string) => said.push(`err: ${t}`) };
  assert.equal(await reportCommand(["--state", lake.stateDir, "--out", out, "--forecast", forecastFile], output), 0);
  assert.deepEqual(said, [`out: aqm report: wrote ${out}: 2 boards, 50 readings drawn, 1 marked anomalous, 1 forecasts\n`]);
  assert.match(readFileSync(out, "utf8"), /class="forecast-band"/);

  said.length = 0;
  assert.equal(await reportCommand(["--hours", "soon"], output), 2);
  assert.match(said[0]!, /^err: aqm report: --hours must be a positive number, not "soon"\n\n {2}aqm report \[--state DIR\]/);
  said.length = 0;
  writeFileSync(forecastFile, JSON.stringify({ ...pm25Forecast(lake), thing: 7 }));
  assert.equal(await reportCommand(["--state", lake.stateDir, "--out", out, "--forecast", forecastFile], output), 1);
  assert.deepEqual(said, [`err: aqm report: forecast ${forecastFile}: "thing" must be a board's name, got 7\n`]);
  said.length = 0;
  assert.equal(await reportCommand(["--state", lake.stateDir, "--forecast", path.join(lake.stateDir, "none.json")], output), 1);
  assert.match(said[0]!, /^err: aqm report: ENOENT: no such file or directory, open '.*none\.json'/);
});

test("the server: / the page, /data.json its data, read-only, rebuilt only after the cache time", async () => {
  let asked = 0;
  const forecasts = () => {
    asked++;
    return [parseDeepArForecast(pm25Forecast(lake), "test")];
  };
  const server = new ReportServer({ lakeDir: lake.lakeDir, port: 0, cacheMs: 3_600_000, forecasts });
  const url = await server.start();
  try {
    assert.equal(server.url, url);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(page.headers.get("content-security-policy"), "default-src 'none'; style-src 'unsafe-inline'");
    assert.match(await page.text(), /<h2 id="board-1-name">aqm-rep-001<\/h2>/);
    const data = (await (await fetch(new URL("data.json", url))).json()) as ReportData;
    assert.deepEqual(
      data.boards.map((b) => b.thing),
      [BOARD_A, BOARD_B],
    );
    assert.equal(asked, 1, "the second request within the cache time reused the first report");
    assert.equal((await fetch(new URL("nope", url))).status, 404);
    assert.equal((await fetch(url, { method: "POST" })).status, 405);
  } finally {
    await server.stop();
  }
  const fresh = new ReportServer({ lakeDir: lake.lakeDir, port: 0, cacheMs: 0, forecasts });
  const freshUrl = await fresh.start();
  try {
    await fetch(freshUrl);
    await fetch(freshUrl);
    assert.equal(asked, 3, "with no cache time each request reads the lake again");
  } finally {
    await fresh.stop();
  }
  assert.throws(() => fresh.url, /not started/);
});
