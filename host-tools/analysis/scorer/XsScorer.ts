import { firmwareModulesBundle } from "../../board-sim/platform/FirmwareBundle.ts";
import { startXsWorker } from "../../board-sim/xs/XsWorker.ts";
import { fileURLToPath } from "node:url";
import type { ScorerConfig } from "../../../firmware/anomaly/ScorerConfig.ts";

const SCORER_GLOBAL = "aqmAnomaly";
const firmwareAnomaly = fileURLToPath(new URL("../../../firmware/anomaly/", import.meta.url));

export interface XsScoreRun {
  /** Combined Q0.16 score of every reading, as XS computed it. */
  readonly scores: number[];
  /** The scorer's state after the run. */
  readonly state: number[];
  /** XS operations spent in score() alone: the run's count minus the same loop without the call. */
  readonly scorerCompute: number;
}

/** Source text of a JavaScript array literal; unlike JSON it keeps NaN and ±Infinity, the inputs the scorer must survive. */
function literal(values: readonly number[]): string {
  return `[${values.map(String).join(",")}]`;
}

/** The scorer's own modules alone: the firmware's bundle needs the board's host port, which the scorer does not. */
function scorerBundle(): Promise<string> {
  return firmwareModulesBundle(
    `export { FixedPointScorer } from "./FixedPointScorer"; export { parseScorerConfig } from "./ScorerConfig";`,
    firmwareAnomaly,
    SCORER_GLOBAL,
  );
}

/**
 * Runs firmware/anomaly/FixedPointScorer on the real Moddable XS engine (xsnap), so a test can
 * compare its output bit for bit with Node's and a benchmark can read XS's operation count.
 */
export async function scoreOnXs(
  config: ScorerConfig,
  readings: readonly (readonly number[])[],
  faultMasks?: readonly number[],
  secondsOfDay?: readonly number[],
): Promise<XsScoreRun> {
  const replies: string[] = [];
  const worker = await startXsWorker("aqm-anomaly", async (message: Uint8Array) => {
    replies.push(new TextDecoder().decode(message));
    return new Uint8Array(0);
  });
  try {
    await worker.evaluate(await scorerBundle());
    const rows = `[${readings.map(literal).join(",")}]`;
    const masks = literal(faultMasks ?? readings.map(() => 0));
    const seconds = literal(secondsOfDay ?? readings.map(() => 0));
    const setUp = `globalThis.rows = ${rows}; globalThis.masks = ${masks}; globalThis.seconds = ${seconds}; globalThis.out = [];`;
    await worker.evaluate(`${setUp} globalThis.scorer = new ${SCORER_GLOBAL}.FixedPointScorer(${SCORER_GLOBAL}.parseScorerConfig(${JSON.stringify(config)}));`);
    const loop = (call: string) => `for (let i = 0; i < rows.length; i++) out.push(${call});`;
    const baseline = await worker.evaluate(loop("rows[i].length + masks[i] + seconds[i]"));
    await worker.evaluate(`globalThis.out = [];`);
    const scored = await worker.evaluate(loop("scorer.score(rows[i], masks[i], seconds[i])"));
    // The reply is ASCII (digits and punctuation), so a byte per character is its encoding; plain xsnap has no ArrayBuffer.fromString.
    await worker.evaluate(
      `{ const text = JSON.stringify({ scores: out, state: Array.from(scorer.snapshot()) }); const bytes = new Uint8Array(text.length); for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i); issueCommand(bytes.buffer); }`,
    );
    const reply = JSON.parse(replies.at(-1) ?? "{}") as { scores: number[]; state: number[] };
    return {
      scores: reply.scores,
      state: reply.state,
      scorerCompute: (scored.meterUsage?.compute ?? Number.NaN) - (baseline.meterUsage?.compute ?? Number.NaN),
    };
  } finally {
    await worker.close().catch(() => undefined);
  }
}
