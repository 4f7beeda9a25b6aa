import type { Channel } from "../../../firmware/telemetry/Channels.ts";
import { CHANNEL_LABELS } from "./ChannelLabels.ts";
import { utcText } from "./ChartScale.ts";
import { escapeHtml } from "./HtmlText.ts";
import type { ReportData } from "./LakeReport.ts";
import { limitCrossing, type LimitCrossing } from "../forecast/LimitCrossings.ts";
import { loadPollutantLimits } from "../../../cloud/lib/pollutantLimits.ts";

export const FORECAST_TABLE_STYLE = `
section.forecasts table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
section.forecasts th, section.forecasts td { border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: left; }
section.forecasts td.number { text-align: right; font-variant-numeric: tabular-nums; }
section.forecasts tr.crossing td { background: #fde2e1; }
`;

interface ForecastRow {
  readonly thing: string;
  readonly channel: Channel;
  readonly unit: string;
  readonly from: number;
  readonly hours: number;
  readonly mean: number;
  readonly peak: number;
  readonly peakAt: number;
  readonly guideline: string;
  readonly crossing: LimitCrossing | null;
}

/**
 * Every forecast on the page as one table row (board, pollutant, the day's mean and its peak
 * hour, the guideline it is judged against) and, above it, the boards whose forecast crosses its
 * WHO 2021 guideline: the mean over the guideline's averaging time above its level, the same rule
 * as `aqm forecast` and the named query forecast-limit-crossings. Nothing when no forecast is drawn.
 */
export function forecastTableSection(data: ReportData): string {
  const limits = loadPollutantLimits();
  const rows: ForecastRow[] = data.boards.flatMap((board) =>
    board.channels.flatMap((series): ForecastRow[] => {
      const f = series.forecast;
      if (!f || f.mean.length === 0) return [];
      const peakIndex = f.mean.indexOf(Math.max(...f.mean));
      const limit = limits.find((l) => l.channel === series.channel);
      return [
        {
          thing: board.thing,
          channel: series.channel,
          unit: series.unit,
          from: f.times[0]!,
          hours: f.times.length,
          mean: round(f.mean.reduce((sum, v) => sum + v, 0) / f.mean.length),
          peak: round(f.mean[peakIndex]!),
          peakAt: f.times[peakIndex]!,
          guideline: limit ? `${limit.level} ${series.unit} over ${limit.averagingHours} h` : "none",
          crossing: limitCrossing({ channel: series.channel, start: f.times[0]!, mean: f.mean }, limits),
        },
      ];
    }),
  );
  if (rows.length === 0) return "";
  const crossings = rows.filter((r) => r.crossing);
  const summary =
    crossings.length === 0
      ? `<p data-limit-crossings="0">No forecast crosses a WHO 2021 guideline level.</p>`
      : `<ul aria-label="Limit crossings" data-limit-crossings="${crossings.length}">${crossings
          .map(
            (r) =>
              `<li data-thing="${escapeHtml(r.thing)}" data-channel="${r.channel}"><strong>${escapeHtml(r.thing)}</strong>: ${escapeHtml(r.crossing!.pollutant)} forecast at ` +
              `${r.crossing!.forecastMean} ${escapeHtml(r.unit)} over ${r.crossing!.averagingHours} h from ${utcText(r.crossing!.from)}, above the guideline's ${r.crossing!.level}</li>`,
          )
          .join("")}</ul>`;
  const body = rows
    .map(
      (r) =>
        `<tr data-thing="${escapeHtml(r.thing)}" data-channel="${r.channel}"${r.crossing ? ' class="crossing"' : ""}><td>${escapeHtml(r.thing)}</td><td>${escapeHtml(CHANNEL_LABELS[r.channel])} (${escapeHtml(r.unit)})</td>` +
        `<td>${utcText(r.from)}</td><td class="number">${r.hours}</td><td class="number">${r.mean}</td><td class="number">${r.peak} at ${utcText(r.peakAt)}</td>` +
        `<td>${escapeHtml(r.guideline)}</td><td>${r.crossing ? `crosses from ${utcText(r.crossing.from)} (${r.crossing.forecastMean})` : "no"}</td></tr>`,
    )
    .join("");
  return (
    `<section class="forecasts" aria-labelledby="forecasts-title"><h2 id="forecasts-title">Forecasts and WHO 2021 guideline crossings</h2>${summary}` +
    `<table aria-label="Forecasts"><thead><tr><th scope="col">Board</th><th scope="col">Pollutant</th><th scope="col">From (UTC)</th><th scope="col">Hours</th>` +
    `<th scope="col">Mean</th><th scope="col">Peak hour</th><th scope="col">WHO 2021 guideline</th><th scope="col">Crossing</th></tr></thead><tbody>${body}</tbody></table></section>`
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
