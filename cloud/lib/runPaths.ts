import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { CURATED_PREFIXES } from "./CuratedLake.ts";

/**
 * Where each run's files live in the curated bucket, `{}` standing for the run id. This is their
 * only home: the state machine's first state computes them from `$.run.id` into `$.paths` for the
 * SageMaker states and the calibration, and the two Glue jobs that write and read the folders are
 * given theirs as arguments (runPathArguments), so no script names a folder of its own.
 */
export const RUN_PATHS = {
  /** RCF's training CSV (all things), written by the data preparation. */
  rcfTrain: `${CURATED_PREFIXES.mlInput}{}/rcf/train/`,
  /** The same rows one `<thing>.csv` each, the RCF batch transform's input. */
  rcfScoreInput: `${CURATED_PREFIXES.mlInput}{}/rcf/score/`,
  /** The reading ts of each of those rows, one `<thing>.csv` each, for the results step's join. */
  rcfKeys: `${CURATED_PREFIXES.mlInput}{}/rcf/keys/`,
  deeparTrain: `${CURATED_PREFIXES.mlInput}{}/deepar/train/`,
  /** DeepAR's context series, the forecasting batch transform's input. */
  deeparInfer: `${CURATED_PREFIXES.mlInput}{}/deepar/infer/`,
  models: `${CURATED_PREFIXES.mlModels}{}/`,
  /** The RCF batch transform's `<thing>.csv.out` files. */
  rcfScores: `${CURATED_PREFIXES.mlOutput}{}/rcf-scores/`,
  /** The DeepAR batch transform's `<input>.out` files. */
  deeparForecasts: `${CURATED_PREFIXES.mlOutput}{}/deepar-forecasts/`,
  /** The board scores of the held-out week, one `<thing>.json` each, written by the results step for the quality gate. */
  holdout: `${CURATED_PREFIXES.mlOutput}{}/holdout/`,
  /** The board scores of the weeks before the held-out one, one `<thing>.json` each, that the calibration fits thresholds on. */
  fit: `${CURATED_PREFIXES.mlOutput}{}/fit/`,
} as const;

export type RunPath = keyof typeof RUN_PATHS;

/** The Glue job argument a run folder is passed as: `rcfKeys` -> `--rcf_keys`. */
export function runPathArgument(path: RunPath): string {
  return `--${path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
}

/** Job arguments giving each of `paths` as its key prefix in the curated bucket for the run at `$.run.id`. */
export function runPathArguments(paths: readonly RunPath[]): Record<string, string> {
  return Object.fromEntries(paths.map((path) => [runPathArgument(path), sfn.JsonPath.format(RUN_PATHS[path], sfn.JsonPath.stringAt("$.run.id"))]));
}
