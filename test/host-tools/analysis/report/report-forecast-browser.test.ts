/**
 * The report page's forecast table and WHO 2021 guideline crossings in a real browser (Debian's
 * chromium through playwright-core): a forecast given to the server (board A's PM2.5, below its
 * guideline) and one saved in the lake's forecasts table by `aqm forecast --save`'s writer (board
 * B's ozone, above its 8-hour guideline from its first hour).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { saveForecasts } from "../../../../host-tools/analysis/forecast/ForecastTable.ts";
import { SEASONAL_NAIVE_METHOD } from "../../../../host-tools/analysis/forecast/SeasonalNaiveForecast.ts";
import { utcText } from "../../../../host-tools/analysis/report/ChartScale.ts";
import { parseDeepArForecast } from "../../../../host-tools/analysis/report/DeepArForecast.ts";
import { ReportServer } from "../../../../host-tools/analysis/report/ReportServer.ts";
import { BOARD_A, BOARD_B, curatedReportLake, pm25Forecast } from "./reportLakeFixture.ts";

const CHROMIUM = "/usr/bin/chromium";
const HOUR = 3_600_000;

/** The DOM shapes the page callbacks use (the project compiles without the DOM library). */
interface PageElement {
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly textContent: string | null;
  readonly className: string;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement> };
declare function getComputedStyle(element: PageElement): { readonly backgroundColor: string };

const lake = await curatedReportLake();
const o3Start = lake.bTimes.at(-1)! - (lake.bTimes.at(-1)! % HOUR) + HOUR;
const o3 = Array.from({ length: 24 }, (_, i) => (i < 10 ? 70 : 20));
await saveForecasts(
  lake.lakeDir,
  [
    {
      thing: BOARD_B,
      channel: "o3_ppb",
      id: `${BOARD_B}/o3_ppb`,
      start: new Date(o3Start).toISOString(),
      freq: "H",
      method: SEASONAL_NAIVE_METHOD,
      predictions: [{ mean: o3, quantiles: { "0.1": o3.map((v) => v - 5), "0.5": o3, "0.9": o3.map((v) => v + 5) } }],
    },
  ],
  Date.now(),
);
const server = new ReportServer({ lakeDir: lake.lakeDir, port: 0, cacheMs: 0, forecasts: () => [parseDeepArForecast(pm25Forecast(lake), "test")] });
let browser: Browser;
let page: Page;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: the report's browser test needs Debian's chromium (apt-get install -y chromium)`);
  const url = await server.start();
  browser = await chromium.launch({ executablePath: CHROMIUM });
  page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  assert.equal((await page.goto(url))?.status(), 200);
});

after(async () => {
  await browser?.close();
  await server.stop();
});

test("the forecast table has a row per forecast, the given one and the one saved in the lake, each judged against its guideline", async () => {
  const table = page.getByRole("table", { name: "Forecasts" });
  assert.equal(await table.count(), 1);
  const rows = await table
    .locator("tbody tr")
    .evaluateAll((all) =>
      (all as PageElement[]).map((r) => [r.dataset.thing, r.dataset.channel, r.className, [...r.querySelectorAll("td")].map((c) => c.textContent)]),
    );
  assert.equal(rows.length, 2);
  const [a, b] = rows as [[string, string, string, string[]], [string, string, string, string[]]];
  assert.deepEqual(a.slice(0, 3), [BOARD_A, "pm2_5_ugm3", ""]);
  assert.equal(a[3][6], "15 µg/m³ over 24 h");
  assert.equal(a[3][7], "no");
  assert.deepEqual(b.slice(0, 3), [BOARD_B, "o3_ppb", "crossing"]);
  // Ten hours at 70 ppb, then 20: the first three 8-hour windows are all at 70; the day's mean is (10 × 70 + 14 × 20) / 24.
  assert.deepEqual(b[3].slice(2, 8), [
    utcText(o3Start),
    "24",
    "40.83",
    `70 at ${utcText(o3Start)}`,
    "50.94 ppb over 8 h",
    `crosses from ${utcText(o3Start)} (70)`,
  ]);
});

test("the crossings are listed above the table, and the crossing row is drawn in its warning colour", async () => {
  const list = page.getByRole("list", { name: "Limit crossings" });
  assert.equal(await list.getByRole("listitem").count(), 1);
  assert.equal(
    await list.getByRole("listitem").textContent(),
    `${BOARD_B}: O3 forecast at 70 ppb over 8 h from ${utcText(o3Start)}, above the guideline's 50.94`,
  );
  const colours = await page.evaluate(() =>
    [...document.querySelectorAll("section.forecasts tbody tr td:first-child")].map((c) => getComputedStyle(c).backgroundColor),
  );
  assert.deepEqual(colours, ["rgba(0, 0, 0, 0)", "rgb(253, 226, 225)"]);
});

test("the saved forecast is drawn as a band on board B's ozone chart too", async () => {
  const bands = await page.locator(`section.board[data-thing="${BOARD_B}"] figure[data-channel="o3_ppb"] polygon.forecast-band`).count();
  assert.equal(bands, 1);
});
