import path from "node:path";
import { extent, utcText } from "./ChartScale.ts";
import { CHANNEL_LABELS } from "./ChannelLabels.ts";
import { FORECAST_TABLE_STYLE, forecastTableSection } from "./ForecastTableSection.ts";
import { escapeHtml } from "./HtmlText.ts";
import type { HealthSpan } from "./HealthSpans.ts";
import type { BoardReport, ChannelSeries, ReportData, TimeSpan } from "./LakeReport.ts";
import { CHART_COLOURS, renderChart, type Point } from "./SvgChart.ts";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; color: #222; background: #ffffff; margin: 1rem 2rem; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; }
.legend { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; margin: 0.5rem 0 1rem; }
.legend span { display: inline-flex; align-items: center; gap: 0.3rem; }
section.board { border-top: 1px solid #ccc; padding-top: 0.5rem; margin-top: 1.5rem; }
figure { margin: 0.5rem 0 1rem; }
figcaption { font-weight: 600; }
svg.chart { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; fill: ${CHART_COLOURS.axis}; }
.empty { background: #fff6d6; padding: 0.5rem 1rem; border: 1px solid #e0c060; }
code { background: #f2f2f2; padding: 0 0.2rem; }
`;

/** The whole report as one HTML document: no script, no external file, so it opens offline. `paging`: the board filter and page links of a fleet's report (BoardPaging), shown under the header. */
export function renderReportPage(data: ReportData, paging = ""): string {
  const title = `aqm boards: ${data.boards.length} board${data.boards.length === 1 ? "" : "s"}`;
  const body = [
    `<header><h1>Air-quality boards</h1><p>Made ${utcText(data.generatedAt)} from the curated lake <code>${escapeHtml(data.lakeDir)}</code>: ` +
      `${data.curatedReadings} reading${data.curatedReadings === 1 ? "" : "s"} in all; the charts show the ${data.windowHours} hours before the newest reading` +
      ` and any forecast. A reading is marked anomalous when its score is at least ${data.threshold}.</p></header>`,
    paging,
    data.curatedReadings === 0 ? emptyLake(data.lakeDir) : "",
    data.boards.length > 0 ? boardIndex(data.boards) : "",
    forecastTableSection(data),
    data.boards.length > 0 ? legend(data.threshold, spanStatesIn(data.boards)) : "",
    ...data.boards.map((board, i) => boardSection(board, `board-${i + 1}`, data.span!, data.threshold)),
  ];
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}${FORECAST_TABLE_STYLE}</style></head><body>${body.join("\n")}</body></html>\n`
  );
}

function emptyLake(lakeDir: string): string {
  const state = escapeHtml(path.dirname(lakeDir));
  return (
    `<section class="empty" role="status"><h2>No curated data yet</h2><p>The lake has no curated reading. To get some: run the local twin ` +
    `(<code>npm start -- --state ${state}</code>) so that boards publish into <code>${escapeHtml(path.join(lakeDir, "raw"))}</code>, then curate what they sent with ` +
    `<code>npm run aqm -- etl --state ${state}</code>, and reload this page.</p></section>`
  );
}

function boardIndex(boards: readonly BoardReport[]): string {
  const items = boards.map(
    (b, i) => `<li><a href="#board-${i + 1}">${escapeHtml(b.thing)}</a> (${b.times.length} readings, ${b.anomalyMarks.length} anomalous)</li>`,
  );
  return `<nav aria-label="Boards"><ul>${items.join("")}</ul></nav>`;
}

function legend(threshold: number, spanStates: ReadonlySet<HealthSpan["state"]>): string {
  const swatch = (label: string, shape: string) => `<span><svg width="22" height="12" aria-hidden="true">${shape}</svg>${escapeHtml(label)}</span>`;
  return `<section class="legend" aria-label="Legend">${[
    swatch("reading", `<line x1="1" x2="21" y1="6" y2="6" stroke="${CHART_COLOURS.reading}" stroke-width="2"/>`),
    swatch(`anomalous reading (score ≥ ${threshold})`, `<circle cx="11" cy="6" r="4.5" fill="${CHART_COLOURS.anomaly}"/>`),
    swatch("anomaly threshold", `<line x1="1" x2="21" y1="6" y2="6" stroke="${CHART_COLOURS.anomaly}" stroke-dasharray="4 3"/>`),
    // Only what the page shows: a legend entry with no band to match would send the reader looking for one.
    spanStates.has("warming")
      ? swatch("warming up: no trustworthy value yet", `<rect x="1" y="0" width="20" height="12" fill="${CHART_COLOURS.warming}"/>`)
      : "",
    spanStates.has("fault") ? swatch("sensor fault (its code shows on hover)", `<rect x="1" y="0" width="20" height="12" fill="${CHART_COLOURS.fault}"/>`) : "",
    swatch("forecast 10–90 % band", `<rect x="1" y="0" width="20" height="12" fill="${CHART_COLOURS.forecastBand}"/>`),
    swatch("forecast mean", `<line x1="1" x2="21" y1="6" y2="6" stroke="${CHART_COLOURS.forecastMean}" stroke-width="2" stroke-dasharray="5 3"/>`),
  ].join("")}</section>`;
}

function spanStatesIn(boards: readonly BoardReport[]): Set<HealthSpan["state"]> {
  return new Set(boards.flatMap((b) => b.channels.flatMap((c) => c.spans.map((s) => s.state))));
}

function boardSection(board: BoardReport, id: string, span: TimeSpan, threshold: number): string {
  const thing = escapeHtml(board.thing);
  const last = board.lastReadingAt === null ? "no reading in the lake" : `last reading ${utcText(board.lastReadingAt)}`;
  const window =
    board.times.length === 0
      ? "no reading in the window"
      : `${board.times.length} readings from ${utcText(board.times[0]!)} to ${utcText(board.times.at(-1)!)}`;
  const gaps = board.gaps.length === 0 ? "" : `; nothing sent between ${board.gaps.map((g) => `${utcText(g.from)} and ${utcText(g.to)}`).join(", ")}`;
  const charts = [anomalyFigure(board, id, span, threshold), ...board.channels.map((series) => channelFigure(board, series, id, span))];
  return (
    `<section class="board" id="${id}" data-thing="${thing}" aria-labelledby="${id}-name"><h2 id="${id}-name">${thing}</h2>` +
    `<p>${window}${gaps}; ${last}; ${board.anomalyMarks.length} marked anomalous.</p>${charts.join("\n")}</section>`
  );
}

function anomalyFigure(board: BoardReport, id: string, span: TimeSpan, threshold: number): string {
  const runs = runsOf(board.times, board.anomaly, board.gaps);
  if (runs.length === 0) {
    const why = board.times.length === 0 ? "no reading in the window" : "none in the window (boards with schema v1 or an early v2 firmware send none)";
    return `<p class="no-readings" data-chart="anomaly">Anomaly score: ${why}.</p>`;
  }
  const chart = renderChart({
    id: `${id}-anomaly`,
    title: `Anomaly score of ${board.thing}`,
    description: `Anomaly score of ${board.thing} (0 to 1) for ${count(runs)} readings; ${board.anomalyMarks.length} at or above the threshold ${threshold}.`,
    valueLabel: "anomaly score (0–1)",
    span,
    runs,
    marks: board.anomalyMarks.map((m) => ({ t: m.ts, v: m.score, label: `score ${m.score} at ${utcText(m.ts)}` })),
    spans: [],
    band: null,
    rule: { v: threshold, label: `threshold ${threshold}` },
    include: [0],
  });
  return `<figure data-chart="anomaly"><figcaption>Anomaly score</figcaption>${chart}</figure>`;
}

function channelFigure(board: BoardReport, series: ChannelSeries, id: string, span: TimeSpan): string {
  const name = CHANNEL_LABELS[series.channel];
  const runs = runsOf(board.times, series.values, board.gaps);
  if (runs.length === 0 && series.spans.length === 0 && series.forecast === null) {
    return `<p class="no-readings" data-chart="channel" data-channel="${series.channel}">${escapeHtml(name)} (${escapeHtml(series.unit)}): no value in the window.</p>`;
  }
  const marks = board.anomalyMarks.flatMap((m) => {
    const v = series.values[m.reading]!;
    return v === null ? [] : [{ t: m.ts, v, label: `${name} ${v} ${series.unit}, anomaly score ${m.score}, at ${utcText(m.ts)}` }];
  });
  const values = runs.flatMap((run) => run.map((p) => p.v));
  const forecast = series.forecast;
  const description = [
    `${name} of ${board.thing} in ${series.unit}: `,
    values.length === 0 ? "no value in the window" : `${values.length} readings, from ${extent(values).low} to ${extent(values).high}`,
    `; ${marks.length} marked anomalous`,
    series.spans.length > 0 ? `; no trustworthy value: ${series.spans.map(spanText).join(", ")}` : "",
    forecast ? `; forecast of ${forecast.times.length} hours from ${utcText(forecast.times[0]!)}` : "",
    ".",
  ].join("");
  const chart = renderChart({
    id: `${id}-${series.channel}`,
    title: `${name} of ${board.thing}`,
    description,
    valueLabel: `${name} (${series.unit})`,
    span,
    runs,
    marks,
    spans: series.spans.map((s) => ({ from: s.from, to: s.to, state: s.state, label: spanText(s) })),
    band: forecast
      ? {
          times: forecast.times,
          low: forecast.p10,
          high: forecast.p90,
          mean: forecast.mean,
          label: `forecast from ${utcText(forecast.times[0]!)}: 10–90 % band and mean`,
        }
      : null,
    rule: null,
  });
  return `<figure data-chart="channel" data-channel="${series.channel}"><figcaption>${escapeHtml(name)} (${escapeHtml(series.unit)})</figcaption>${chart}</figure>`;
}

function spanText(span: HealthSpan): string {
  const what = span.state === "warming" ? "warming up" : `sensor fault (${span.codes.join(", ")})`;
  return `${what} from ${utcText(span.from)} to ${utcText(span.to)}`;
}

/** Consecutive readings with a value, split where a value is missing and across the board's gaps, never joined over them. */
function runsOf(times: readonly number[], values: readonly (number | null)[], gaps: readonly TimeSpan[]): Point[][] {
  const runs: Point[][] = [];
  let run: Point[] = [];
  let nextGap = 0;
  values.forEach((v, i) => {
    const afterGap = nextGap < gaps.length && times[i]! >= gaps[nextGap]!.to;
    if (afterGap) nextGap++;
    if (v === null || afterGap) {
      if (run.length > 0) runs.push(run);
      run = [];
    }
    if (v !== null) run.push({ t: times[i]!, v });
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

function count(runs: readonly (readonly Point[])[]): number {
  return runs.reduce((n, run) => n + run.length, 0);
}
