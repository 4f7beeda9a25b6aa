/**
 * Warm-up, faults and gaps on the report: the spans read from the fixture lake, and where the
 * page draws them. Expected pixels come from the same scale the charts use (ChartScale, PLOT).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { utcText, timeAxis, timeToX } from "../../../../host-tools/analysis/report/ChartScale.ts";
import { HealthSpanBuilder } from "../../../../host-tools/analysis/report/HealthSpans.ts";
import { readLakeReport, type ReportData } from "../../../../host-tools/analysis/report/LakeReport.ts";
import { renderReportPage } from "../../../../host-tools/analysis/report/ReportPage.ts";
import { MIN_SPAN_PX, PLOT, renderChart } from "../../../../host-tools/analysis/report/SvgChart.ts";
import { LakeQuery } from "../../../../host-tools/local-cloud/lake/LakeQuery.ts";
import { MINUTE } from "../../local-cloud/lake/rawFixture.ts";
import { B_GAP, BOARD_A, BOARD_B, CO_FAULT, curatedReportLake, GAS_WARMING_READINGS, SO2_VALUE_WHILE_WARMING } from "./reportLakeFixture.ts";

const lake = await curatedReportLake();
const data = await readLakeReport({ lakeDir: lake.lakeDir });
const html = renderReportPage(data);
const [boardA, boardB] = data.boards;
/** Every reading of the fixture covers the minute before its time (interval_s 60). */
const started = (ts: number) => ts - MINUTE;
const b = lake.bTimes;
/** Board B's second boot starts with the reading after its gap. */
const REBOOT = B_GAP.after + 1;

/** The x the charts give time `t`: the shared span's axis over the plot's columns. */
function xOf(t: number, span = data.span!): number {
  return timeToX(timeAxis(span.from, span.to), t, PLOT.left, PLOT.right);
}

/** One chart's markup on the page: a channel's, or "anomaly". */
function figure(thing: string, chart: string): string {
  const section = html.split('<section class="board"').find((s) => s.includes(`data-thing="${thing}"`))!;
  const opening = chart === "anomaly" ? ' data-chart="anomaly">' : ` data-chart="channel" data-channel="${chart}">`;
  return section.split("<figure").find((f) => f.startsWith(opening))!;
}

/** The shaded spans of a chart: their kind, left and right columns, and tooltip. */
function bands(markup: string): { kind: string; left: number; right: number; title: string }[] {
  return [...markup.matchAll(/<rect class="(\w+)-span" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>([^<]*)<\/title>/g)].map(
    ([, kind, x, width, title]) => ({ kind: kind!, left: Number(x), right: Number(x) + Number(width), title: title! }),
  );
}

/** The SVG writes x and width to a tenth of a pixel each, so a right edge may be off by two halves of that. */
function assertNear(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 0.1 + 1e-9, `${what}: ${actual}, expected ${expected}`);
}

test("spans from the lake: warming after each power-on, the fault in the middle with both its codes, none across the gap", () => {
  const co = boardB!.channels.find((c) => c.channel === "co_ppb")!;
  const warmed = GAS_WARMING_READINGS - 1;
  assert.deepEqual(co.spans, [
    { state: "warming", from: started(b[0]!), to: b[warmed] },
    { state: "fault", from: started(b[CO_FAULT.first]!), to: b[CO_FAULT.last], codes: CO_FAULT.codes },
    { state: "warming", from: started(b[REBOOT]!), to: b[REBOOT + warmed] },
  ]);
  for (const channel of ["no2_ppb", "so2_ppb", "o3_ppb"]) {
    assert.deepEqual(
      boardB!.channels.find((c) => c.channel === channel)!.spans.map((s) => [s.state, s.from, s.to]),
      [
        ["warming", started(b[0]!), b[warmed]],
        ["warming", started(b[REBOOT]!), b[REBOOT + warmed]],
      ],
      channel,
    );
  }
  for (const channel of ["temperature_c", "humidity_pct", "pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3"])
    assert.deepEqual(boardB!.channels.find((c) => c.channel === channel)!.spans, [], channel);
  assert.ok(boardA!.channels.every((c) => c.spans.length === 0));
  assert.deepEqual(boardB!.gaps, [{ from: b[B_GAP.after], to: b[REBOOT] }]);
  assert.deepEqual(boardA!.gaps, []);
});

test("a value the lake holds beside a warming health is not drawn: it is not a trustworthy reading", async () => {
  const query = await LakeQuery.open(lake.lakeDir);
  try {
    const { rows } = await query.run(`SELECT so2_ppb, health_so2_ppb FROM telemetry WHERE thing = '${BOARD_B}' AND ts = ${b[SO2_VALUE_WHILE_WARMING]}`);
    assert.equal(rows[0]![1], "warming");
    assert.equal(typeof rows[0]![0], "number", "the fixture's lake does hold the value");
  } finally {
    query.close();
  }
  const so2 = boardB!.channels.find((c) => c.channel === "so2_ppb")!;
  assert.equal(so2.values[SO2_VALUE_WHILE_WARMING], null);
  assert.deepEqual(
    so2.values.flatMap((v, i) => (v === null ? [i] : [])),
    [0, 1, 2, REBOOT, REBOOT + 1, REBOOT + 2],
  );
});

test("each band is shaded from its span's start to its end on the chart's time scale, with what it is in its tooltip", () => {
  const drawn = bands(figure(BOARD_B, "co_ppb"));
  const co = boardB!.channels.find((c) => c.channel === "co_ppb")!;
  assert.deepEqual(
    drawn.map((d) => d.kind),
    ["warming", "fault", "warming"],
  );
  co.spans.forEach((span, i) => {
    assertNear(drawn[i]!.left, xOf(span.from), `span ${i} left`);
    assertNear(drawn[i]!.right, xOf(span.to), `span ${i} right`);
  });
  // Board B's first reading is a minute after board A's, so its interval starts where the chart does.
  assert.equal(drawn[0]!.left, PLOT.left);
  assert.deepEqual(
    drawn.map((d) => d.title),
    [
      `warming up from ${utcText(started(b[0]!))} to ${utcText(b[GAS_WARMING_READINGS - 1]!)}`,
      `sensor fault (nack, timeout) from ${utcText(started(b[CO_FAULT.first]!))} to ${utcText(b[CO_FAULT.last]!)}`,
      `warming up from ${utcText(started(b[REBOOT]!))} to ${utcText(b[REBOOT + GAS_WARMING_READINGS - 1]!)}`,
    ],
  );
  assert.match(figure(BOARD_B, "co_ppb"), /<desc [^>]*>[^<]*; no trustworthy value: warming up from [^<]*, sensor fault \(nack, timeout\) from /);
  assert.deepEqual(bands(figure(BOARD_B, "temperature_c")), []);
  assert.deepEqual(bands(figure(BOARD_A, "co_ppb")), []);
});

test("a band too narrow to see is widened to MIN_SPAN_PX about its middle, and one starting before the chart is cut at the plot's edge", () => {
  const span = { from: 0, to: 48 * 60 * MINUTE };
  const oneReading = { from: 10 * 60 * MINUTE, to: 10 * 60 * MINUTE + MINUTE };
  const svg = renderChart({
    id: "c",
    title: "t",
    description: "d",
    valueLabel: "v",
    span,
    runs: [
      [
        { t: 0, v: 1 },
        { t: span.to, v: 2 },
      ],
    ],
    marks: [],
    band: null,
    rule: null,
    spans: [
      { ...oneReading, state: "fault", label: "one reading" },
      { from: -5 * MINUTE, to: 30 * MINUTE, state: "warming", label: "from before" },
    ],
  });
  const [narrow, early] = bands(svg);
  const middle = (xOf(oneReading.from, span) + xOf(oneReading.to, span)) / 2;
  assert.ok(xOf(oneReading.to, span) - xOf(oneReading.from, span) < 1, "a minute in 48 hours is under a pixel");
  assertNear(narrow!.left, middle - MIN_SPAN_PX / 2, "widened left");
  assertNear(narrow!.right, middle + MIN_SPAN_PX / 2, "widened right");
  assert.equal(early!.left, PLOT.left);
  assertNear(early!.right, xOf(30 * MINUTE, span), "early right");
});

test("the gap breaks the line: the reading before it ends one line, the reading after it starts the next", () => {
  const lines = [...figure(BOARD_B, "temperature_c").matchAll(/class="reading-line" points="([^"]*)"/g)].map(([, points]) =>
    points!.split(" ").map((p) => Number(p.split(",")[0])),
  );
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.length + lines[1]!.length, b.length);
  assertNear(lines[0]!.at(-1)!, xOf(b[B_GAP.after]!), "last x before the gap");
  assertNear(lines[1]![0]!, xOf(b[REBOOT]!), "first x after the gap");
  // The anomaly score has no health, and breaks at the gap all the same.
  assert.equal(figure(BOARD_B, "anomaly").match(/class="reading-line"/g)?.length, 2);
  assert.ok(html.includes(`nothing sent between ${utcText(b[B_GAP.after]!)} and ${utcText(b[REBOOT]!)}`));
});

test("the legend shows the warming and fault swatches only when a chart on the page has such a band", () => {
  const legendOf = (page: ReportData) => renderReportPage(page).match(/<section class="legend"[^]*?<\/section>/)![0];
  const both = legendOf(data);
  assert.match(both, /warming up: no trustworthy value yet/);
  assert.match(both, /sensor fault \(its code shows on hover\)/);
  const healthy = legendOf({ ...data, boards: [boardA!] });
  assert.doesNotMatch(healthy, /warming up|sensor fault/);
  const faultOnly = { ...boardB!, channels: boardB!.channels.map((c) => ({ ...c, spans: c.spans.filter((s) => s.state === "fault") })) };
  const faulty = legendOf({ ...data, boards: [boardA!, faultOnly] });
  assert.doesNotMatch(faulty, /warming up/);
  assert.match(faulty, /sensor fault/);
});

test("the span builder: a health change ends a span, a gap ends it too, and a fault's codes are listed once each", () => {
  const spans = new HealthSpanBuilder();
  const healths = ["warming", "warming", "ok", "fault:crc", "fault:stuck", "fault:crc", null, "fault:crc"];
  healths.forEach((health, i) => spans.add(i * 10, i * 10 + 10, health));
  spans.close();
  spans.add(100, 110, "fault:crc");
  assert.deepEqual(spans.finish(), [
    { state: "warming", from: 0, to: 20 },
    { state: "fault", from: 30, to: 60, codes: ["crc", "stuck"] },
    { state: "fault", from: 70, to: 80, codes: ["crc"] },
    { state: "fault", from: 100, to: 110, codes: ["crc"] },
  ]);
});
