/**
 * How far ahead a forecast reaches: DeepAR's prediction length in the cloud's training job
 * (ModelTraining.ts), and the length of the local twin's seasonal-naive stand-in, which answers in
 * DeepAR's shape. Kept apart from the constructs (no CDK import) so host tools load it cheaply.
 */

/** 24 hourly steps: a day ahead for every thing and pollutant. */
export const FORECAST_HOURS = 24;
