import { CHANNELS, type Channel } from "../../../firmware/telemetry/Channels.ts";

/** DeepAR is trained with time_freq "H" (cloud/lib/ModelTraining.ts): one value per hour. */
export const FORECAST_STEP_MS = 3_600_000;

/**
 * One forecast as the forecast job hands it over: the response of a SageMaker DeepAR endpoint
 * (`predictions`, one entry: the mean and quantiles of each hour ahead) with the series it is for
 * (DeepAR's series ids are `thing/channel`, cloud/sagemaker/prepare_training_data.py) and the
 * time of its first value.
 */
export interface DeepArForecast {
  readonly thing: string;
  readonly channel: Channel;
  /** Time of the first forecast value, ms since the Unix epoch. */
  readonly start: number;
  readonly mean: readonly number[];
  /** The 10 % and 90 % quantiles: the band drawn around the mean. */
  readonly p10: readonly number[];
  readonly p90: readonly number[];
}

export class ForecastInputError extends Error {}

/**
 * Checks a forecast given as JSON: `{"thing", "channel", "start" (ISO 8601 or ms), "predictions":
 * [{"mean": [...], "quantiles": {"0.1": [...], "0.9": [...], ...}}]}`. `where` names its source in
 * the error (a file, an argument).
 */
export function parseDeepArForecast(value: unknown, where: string): DeepArForecast {
  const fail = (problem: string): never => {
    throw new ForecastInputError(`forecast ${where}: ${problem}`);
  };
  if (!isRecord(value)) return fail(`expected a JSON object, got ${describe(value)}`);
  const { thing, channel, start, predictions } = value;
  if (typeof thing !== "string" || thing === "") fail(`"thing" must be a board's name, got ${describe(thing)}`);
  const known = CHANNELS.map((c) => c.name);
  if (typeof channel !== "string" || !(known as string[]).includes(channel)) fail(`"channel" must be one of ${known.join(", ")}, got ${describe(channel)}`);
  const startMs = typeof start === "number" && Number.isSafeInteger(start) ? start : typeof start === "string" ? Date.parse(start) : Number.NaN;
  if (Number.isNaN(startMs)) fail(`"start" must be an ISO 8601 time or an integer of ms since the Unix epoch, got ${describe(start)}`);
  if (!Array.isArray(predictions) || predictions.length !== 1) {
    fail(
      `"predictions" must hold exactly one prediction (one forecast per board and channel), got ${Array.isArray(predictions) ? `${predictions.length}` : describe(predictions)}`,
    );
  }
  const prediction: unknown = (predictions as unknown[])[0];
  if (!isRecord(prediction)) return fail(`predictions[0] must be an object, got ${describe(prediction)}`);
  const mean = numbers(prediction.mean, "predictions[0].mean", fail);
  if (mean.length === 0) fail("predictions[0].mean is empty");
  const quantiles = prediction.quantiles;
  if (!isRecord(quantiles)) return fail(`predictions[0].quantiles must be an object, got ${describe(quantiles)}`);
  const quantile = (q: string): number[] => {
    const values = numbers(quantiles[q], `predictions[0].quantiles["${q}"]`, fail);
    if (values.length !== mean.length) fail(`predictions[0].quantiles["${q}"] has ${values.length} values, the mean ${mean.length}`);
    return values;
  };
  return { thing: thing as string, channel: channel as Channel, start: startMs, mean, p10: quantile("0.1"), p90: quantile("0.9") };
}

function numbers(value: unknown, name: string, fail: (problem: string) => never): number[] {
  if (!Array.isArray(value)) return fail(`${name} must be an array of numbers, got ${describe(value)}`);
  const bad = value.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (bad >= 0) fail(`${name}[${bad}] must be a finite number, got ${describe(value[bad])}`);
  return value as number[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
