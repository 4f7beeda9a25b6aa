import { timeAxis, timeTickLabel, timeToX, valueAxis } from "./ChartScale.ts";
import { escapeHtml } from "./HtmlText.ts";

export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 190;
const MARGIN = { left: 64, right: 16, top: 10, bottom: 36 };
/** The plot inside the chart's axes, in the SVG's pixels. */
export const PLOT = { left: MARGIN.left, right: CHART_WIDTH - MARGIN.right, top: MARGIN.top, bottom: CHART_HEIGHT - MARGIN.bottom } as const;
/**
 * A warming or fault span narrower than this is widened about its middle: over a 48-hour window
 * a one-minute reading is a fifth of a pixel, and a single faulty reading must still show.
 */
export const MIN_SPAN_PX = 4;

/** Colours the page's legend shows too. */
export const CHART_COLOURS = {
  reading: "#1f4e9c",
  anomaly: "#d62728",
  warming: "#fbefc4",
  fault: "#e3e3e3",
  forecastBand: "#f6c48f",
  forecastMean: "#b35400",
  grid: "#ececec",
  axis: "#444444",
} as const;

export interface Point {
  readonly t: number;
  readonly v: number;
}

export interface ChartSpec {
  /** Unique in the page: the chart's accessible name and description are found by it. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** The value axis's label, with its unit. */
  readonly valueLabel: string;
  readonly span: { readonly from: number; readonly to: number };
  /** Runs of readings drawn as one line each; a run of one reading is a dot. */
  readonly runs: readonly (readonly Point[])[];
  readonly marks: readonly (Point & { readonly label: string })[];
  /** Stretches where the channel was warming up or in fault, shaded behind the line. */
  readonly spans: readonly { readonly from: number; readonly to: number; readonly state: "warming" | "fault"; readonly label: string }[];
  readonly band: {
    readonly times: readonly number[];
    readonly low: readonly number[];
    readonly high: readonly number[];
    readonly mean: readonly number[];
    readonly label: string;
  } | null;
  /** A horizontal line at a value, such as the anomaly threshold. */
  readonly rule: { readonly v: number; readonly label: string } | null;
  /** Values the axis must include although nothing is drawn there (an anomaly score's 0). */
  readonly include?: readonly number[];
}

/** One chart as inline SVG: drawn here, so the page needs no script and works offline. */
export function renderChart(spec: ChartSpec): string {
  const time = timeAxis(spec.span.from, spec.span.to);
  const values = [
    ...spec.runs.flatMap((run) => run.map((p) => p.v)),
    ...spec.marks.map((m) => m.v),
    ...(spec.band ? [...spec.band.low, ...spec.band.high, ...spec.band.mean] : []),
    ...(spec.rule ? [spec.rule.v] : []),
    ...(spec.include ?? []),
  ];
  const axis = valueAxis(values);
  const column = (t: number) => timeToX(time, t, PLOT.left, PLOT.right);
  const x = (t: number) => round(column(t));
  const y = (v: number) => round(PLOT.bottom - ((v - axis.min) / (axis.max - axis.min)) * (PLOT.bottom - PLOT.top));
  const xy = (t: number, v: number) => `${x(t)},${y(v)}`;

  const parts: string[] = [];
  for (const v of axis.ticks) {
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(v)}" y2="${y(v)}" stroke="${CHART_COLOURS.grid}"/>`);
    parts.push(`<text x="${PLOT.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(axis.decimals)}</text>`);
  }
  time.ticks.forEach((t, i) => {
    const label = timeTickLabel(t, time.stepMs, i === 0);
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${PLOT.top}" y2="${PLOT.bottom + 4}" stroke="${CHART_COLOURS.grid}"/>`);
    parts.push(
      `<text x="${x(t)}" y="${PLOT.bottom + 16}" text-anchor="middle">${label.time}${label.date ? `<tspan x="${x(t)}" dy="12">${label.date}</tspan>` : ""}</text>`,
    );
  });
  parts.push(
    `<text class="value-label" transform="translate(14 ${round((PLOT.top + PLOT.bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.valueLabel)}</text>`,
  );
  parts.push(`<text x="${PLOT.right}" y="${CHART_HEIGHT - 2}" text-anchor="end">time (UTC)</text>`);

  for (const span of spec.spans) {
    const { left, right } = spanColumns(column(span.from), column(span.to));
    parts.push(
      `<rect class="${span.state}-span" x="${round(left)}" y="${PLOT.top}" width="${round(right - left)}" height="${PLOT.bottom - PLOT.top}" fill="${CHART_COLOURS[span.state]}"><title>${escapeHtml(span.label)}</title></rect>`,
    );
  }
  if (spec.band) {
    const { times, low, high, mean, label } = spec.band;
    const outline = [...times.map((t, i) => xy(t, high[i]!)), ...times.map((t, i) => xy(t, low[i]!)).reverse()];
    parts.push(
      `<polygon class="forecast-band" points="${outline.join(" ")}" fill="${CHART_COLOURS.forecastBand}"><title>${escapeHtml(label)}</title></polygon>`,
    );
    parts.push(
      `<polyline class="forecast-mean" points="${times.map((t, i) => xy(t, mean[i]!)).join(" ")}" fill="none" stroke="${CHART_COLOURS.forecastMean}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    );
  }
  if (spec.rule) {
    parts.push(
      `<line class="threshold-rule" x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(spec.rule.v)}" y2="${y(spec.rule.v)}" stroke="${CHART_COLOURS.anomaly}" stroke-dasharray="4 4"><title>${escapeHtml(spec.rule.label)}</title></line>`,
    );
  }
  for (const run of spec.runs) {
    if (run.length === 1) parts.push(`<circle class="reading-dot" cx="${x(run[0]!.t)}" cy="${y(run[0]!.v)}" r="2.5" fill="${CHART_COLOURS.reading}"/>`);
    else
      parts.push(
        `<polyline class="reading-line" points="${thinned(
          run.map((p) => [x(p.t), y(p.v)] as const),
          PLOT.right - PLOT.left,
        )
          .map(([px, py]) => `${px},${py}`)
          .join(" ")}" fill="none" stroke="${CHART_COLOURS.reading}" stroke-width="1.5" stroke-linejoin="round"/>`,
      );
  }
  for (const mark of spec.marks) {
    parts.push(
      `<circle class="anomaly-mark" cx="${x(mark.t)}" cy="${y(mark.v)}" r="4.5" fill="${CHART_COLOURS.anomaly}" stroke="#ffffff" stroke-width="1"><title>${escapeHtml(mark.label)}</title></circle>`,
    );
  }
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="${CHART_COLOURS.axis}"/>`,
  );

  const id = escapeHtml(spec.id);
  return (
    `<svg class="chart" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc">` +
    `<title id="${id}-title">${escapeHtml(spec.title)}</title><desc id="${id}-desc">${escapeHtml(spec.description)}</desc>${parts.join("")}</svg>`
  );
}

/** A span's columns: at least MIN_SPAN_PX wide, and inside the plot (a reading's interval may start before the chart does). */
function spanColumns(from: number, to: number): { left: number; right: number } {
  const widen = Math.max(0, MIN_SPAN_PX - (to - from)) / 2;
  return { left: Math.max(PLOT.left, from - widen), right: Math.min(PLOT.right, to + widen) };
}

/**
 * A line of more points than the plot has pixel columns looks the same drawn through each
 * column's lowest and highest point, in their order, and is much smaller: a board sampling every
 * few seconds gives tens of thousands of readings in the window. Fewer points are kept as they are.
 */
function thinned(points: readonly (readonly [number, number])[], plotWidth: number): (readonly [number, number])[] {
  if (points.length <= 2 * plotWidth) return [...points];
  const kept: (readonly [number, number])[] = [];
  let column: (readonly [number, number])[] = [];
  const flush = () => {
    if (column.length === 0) return;
    const low = column.reduce((a, b) => (b[1] > a[1] ? b : a));
    const high = column.reduce((a, b) => (b[1] < a[1] ? b : a));
    kept.push(...(low === high ? [low] : column.indexOf(low) < column.indexOf(high) ? [low, high] : [high, low]));
    column = [];
  };
  for (const point of points) {
    if (column.length > 0 && Math.floor(point[0]) !== Math.floor(column[0]![0])) flush();
    column.push(point);
  }
  flush();
  return kept;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
