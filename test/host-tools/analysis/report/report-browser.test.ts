/**
 * The report in a real browser: Debian's chromium, driven by playwright-core. The charts must be
 * drawn (not merely present in the markup), so the test counts what the browser rendered and the
 * pixels of a screenshot.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { utcText } from "../../../../host-tools/analysis/report/ChartScale.ts";
import { parseDeepArForecast } from "../../../../host-tools/analysis/report/DeepArForecast.ts";
import { ReportServer } from "../../../../host-tools/analysis/report/ReportServer.ts";
import { CHART_COLOURS, PLOT } from "../../../../host-tools/analysis/report/SvgChart.ts";
import { countColour, countInk, decodePng } from "./pngPixels.ts";
import {
  A_READINGS,
  ANOMALY_AT,
  ANOMALY_SCORE,
  B_READINGS,
  BOARD_A,
  BOARD_B,
  CO_FAULT,
  curatedReportLake,
  GAS_WARMING_READINGS,
  pm25Forecast,
} from "./reportLakeFixture.ts";

const CHROMIUM = "/usr/bin/chromium";

/** The few DOM shapes the callbacks run in the page use: the project compiles without the DOM library. */
interface PageElement {
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly textContent: string | null;
  /** Of a polyline or polygon. */
  readonly points: { readonly numberOfItems: number; getItem(index: number): { readonly x: number; readonly y: number } };
  /** Of a circle. */
  readonly cx: { readonly baseVal: { readonly value: number } };
  readonly cy: { readonly baseVal: { readonly value: number } };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  getBoundingClientRect(): { readonly width: number };
}
declare const document: Pick<PageElement, "querySelector" | "querySelectorAll">;
const CHANNELS = ["temperature_c", "humidity_pct", "pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3", "co_ppb", "no2_ppb", "so2_ppb", "o3_ppb"];

const lake = await curatedReportLake();
const server = new ReportServer({ lakeDir: lake.lakeDir, port: 0, cacheMs: 0, forecasts: () => [parseDeepArForecast(pm25Forecast(lake), "test")] });
let browser: Browser;
let page: Page;
const requested: string[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: the report's browser test needs Debian's chromium (apt-get install -y chromium)`);
  const url = await server.start();
  browser = await chromium.launch({ executablePath: CHROMIUM });
  page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  page.on("request", (request) => requested.push(request.url()));
  const response = await page.goto(url);
  assert.equal(response?.status(), 200);
});

after(async () => {
  await browser?.close();
  await server.stop();
});

/** What the browser drew in one chart: readings (points of lines, and lone dots), marks, fault and warming spans, forecast. */
function drawn(
  thing: string,
  chart: string,
): Promise<{ points: number; lines: number; marks: number; faults: string[]; warming: string[]; bandPoints: number; meanPoints: number; bandWidth: number }> {
  return page.evaluate(
    ([thing, chart]) => {
      const section = [...document.querySelectorAll("section.board")].find((s) => s.dataset.thing === thing);
      const figure = section?.querySelector(chart === "anomaly" ? 'figure[data-chart="anomaly"]' : `figure[data-channel="${chart}"]`);
      if (!figure) throw new Error(`no chart ${chart} for ${thing}`);
      const lines = [...figure.querySelectorAll("polyline.reading-line")];
      const band = figure.querySelector("polygon.forecast-band");
      return {
        points: lines.reduce((n, l) => n + l.points.numberOfItems, 0) + figure.querySelectorAll("circle.reading-dot").length,
        lines: lines.length,
        marks: figure.querySelectorAll("circle.anomaly-mark").length,
        faults: [...figure.querySelectorAll("rect.fault-span")].map((r) => r.textContent ?? ""),
        warming: [...figure.querySelectorAll("rect.warming-span")].map((r) => r.textContent ?? ""),
        bandPoints: band?.points.numberOfItems ?? 0,
        meanPoints: figure.querySelector("polyline.forecast-mean")?.points.numberOfItems ?? 0,
        bandWidth: band?.getBoundingClientRect().width ?? 0,
      };
    },
    [thing, chart] as const,
  );
}

test("one section per board, each with an anomaly chart and a chart per channel, named for assistive technology", async () => {
  const sections = await page
    .locator("section.board")
    .evaluateAll((all) => (all as PageElement[]).map((s) => [s.dataset.thing, s.querySelector("h2")?.textContent, s.querySelectorAll("svg.chart").length]));
  assert.deepEqual(sections, [
    [BOARD_A, BOARD_A, 10],
    [BOARD_B, BOARD_B, 10],
  ]);
  assert.equal(await page.title(), "aqm boards: 2 boards");
  assert.equal(await page.getByRole("img", { name: `PM2.5 of ${BOARD_A}` }).count(), 1);
  assert.equal(await page.getByRole("img", { name: `Anomaly score of ${BOARD_B}` }).count(), 1);
  assert.equal(await page.getByRole("navigation", { name: "Boards" }).getByRole("link").count(), 2);
});

/**
 * Board B's points and lines per channel (reportLakeFixture): its readings are cut in two by the
 * gap; each gas channel lacks the warming readings after each of its two power-ons, CO also the
 * faulty ones between, which cut its first boot's line once more.
 */
const GAS_DRAWN = B_READINGS - 2 * GAS_WARMING_READINGS;
const B_DRAWN: Readonly<Record<string, readonly [number, number]>> = {
  temperature_c: [B_READINGS, 2],
  humidity_pct: [B_READINGS, 2],
  pm1_ugm3: [B_READINGS, 2],
  pm2_5_ugm3: [B_READINGS, 2],
  pm10_ugm3: [B_READINGS, 2],
  co_ppb: [GAS_DRAWN - (CO_FAULT.last - CO_FAULT.first + 1), 3],
  no2_ppb: [GAS_DRAWN, 2],
  so2_ppb: [GAS_DRAWN, 2],
  o3_ppb: [GAS_DRAWN, 2],
};

test("every trustworthy reading is plotted; a missing value or a gap breaks the line", async () => {
  for (const channel of CHANNELS) {
    assert.deepEqual(await drawn(BOARD_A, channel).then((d) => [d.points, d.lines]), [A_READINGS, 1], `${BOARD_A} ${channel}`);
    assert.deepEqual(await drawn(BOARD_B, channel).then((d) => [d.points, d.lines]), B_DRAWN[channel], `${BOARD_B} ${channel}`);
  }
  assert.equal((await drawn(BOARD_A, "anomaly")).points, A_READINGS);
});

test("the injected anomaly is marked where its reading is plotted, on the score chart and on each channel; nothing else is marked", async () => {
  assert.equal((await drawn(BOARD_A, "anomaly")).marks, 1);
  for (const channel of CHANNELS) assert.equal((await drawn(BOARD_A, channel)).marks, 1, channel);
  for (const chart of ["anomaly", ...CHANNELS]) assert.equal((await drawn(BOARD_B, chart)).marks, 0, `${BOARD_B} ${chart}`);
  const [markAt, readingAt] = await page.evaluate(
    ([thing, index]) => {
      const figure = document.querySelector(`section.board[data-thing="${thing}"] figure[data-channel="pm2_5_ugm3"]`)!;
      const mark = figure.querySelector("circle.anomaly-mark")!;
      const point = figure.querySelector("polyline.reading-line")!.points.getItem(index);
      return [
        [mark.cx.baseVal.value, mark.cy.baseVal.value],
        [point.x, point.y],
      ];
    },
    [BOARD_A, ANOMALY_AT] as const,
  );
  assert.deepEqual(markAt, readingAt);
  assert.match(
    (await page.locator(`section.board[data-thing="${BOARD_A}"] figure[data-chart="anomaly"] circle.anomaly-mark title`).textContent()) ?? "",
    new RegExp(`^score ${String(ANOMALY_SCORE).replace(".", "\\.")} at ${utcText(lake.aTimes[ANOMALY_AT]!)}$`),
  );
});

test("the CO fault is shaded with its codes, the gas cells' warm-up too; the forecast band is drawn on its board's PM2.5 only", async () => {
  const co = await drawn(BOARD_B, "co_ppb");
  assert.deepEqual(co.faults, [
    `sensor fault (${CO_FAULT.codes.join(", ")}) from ${utcText(lake.bTimes[CO_FAULT.first]! - 60_000)} to ${utcText(lake.bTimes[CO_FAULT.last]!)}`,
  ]);
  assert.equal(co.warming.length, 2);
  assert.ok(
    co.warming.every((title) => title.startsWith("warming up from ")),
    co.warming.join("; "),
  );
  assert.deepEqual((await drawn(BOARD_B, "temperature_c")).warming, []);
  const pm25 = await drawn(BOARD_A, "pm2_5_ugm3");
  assert.deepEqual([pm25.bandPoints, pm25.meanPoints], [48, 24]);
  assert.ok(pm25.bandWidth > 100, `the band spans its 24 hours on screen (${pm25.bandWidth} px wide)`);
  assert.equal(await page.locator("polygon.forecast-band").count(), 1);
});

test("a screenshot of a chart shows ink: the line, the red anomaly mark, the forecast band's colour; the warming and fault bands show", async () => {
  const chart = page.getByRole("img", { name: `PM2.5 of ${BOARD_A}` });
  const image = decodePng(await chart.screenshot());
  const area = image.width * image.height;
  assert.ok(image.width >= 700 && image.height >= 180, `chart screenshot ${image.width}×${image.height}`);
  assert.ok(countInk(image) > area * 0.05, `${countInk(image)} of ${area} pixels drawn`);
  assert.ok(countColour(image, CHART_COLOURS.forecastBand) > 500, `${countColour(image, CHART_COLOURS.forecastBand)} pixels of the forecast band`);
  assert.ok(countColour(image, CHART_COLOURS.anomaly) > 12, `${countColour(image, CHART_COLOURS.anomaly)} pixels of the anomaly mark`);
  // The forecast stretches the charts over a day, so board B's bands of a few minutes are drawn
  // MIN_SPAN_PX wide: each kind must still fill at least one whole column of the plot's height.
  const co = decodePng(await page.getByRole("img", { name: `CO of ${BOARD_B}` }).screenshot());
  const column = PLOT.bottom - PLOT.top;
  assert.ok(countColour(co, CHART_COLOURS.warming) >= column, `${countColour(co, CHART_COLOURS.warming)} pixels of the warming bands`);
  assert.ok(countColour(co, CHART_COLOURS.fault) >= column, `${countColour(co, CHART_COLOURS.fault)} pixels of the fault band`);
  assert.equal(countColour(image, CHART_COLOURS.warming), 0, "no warming band on board A's PM2.5");
  // The same count on a blank stretch of the page finds nothing: the check above can fail.
  const blank = decodePng(await page.screenshot({ clip: { x: 900, y: 0, width: 90, height: 60 } }));
  assert.equal(countInk(blank), 0);
});

test("the page works offline: the browser asked the report server for the page and nothing else", () => {
  assert.deepEqual(requested, [server.url]);
});
