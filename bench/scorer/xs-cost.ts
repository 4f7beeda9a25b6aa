/** bench:scorer, XS part: the fixed-point scorer's cost per sample on the real XS engine, for the board's channel count. */
import { FixedPointScorer } from "../../firmware/anomaly/FixedPointScorer.ts";
import type { ScorerConfig } from "../../firmware/anomaly/ScorerConfig.ts";
import { readBeijingRows } from "../../host-tools/analysis/scorer/air-quality-csv.ts";
import { scoreOnXs } from "../../host-tools/analysis/scorer/XsScorer.ts";

const XS_ROWS = 2000;

export async function runXsCost(stationCsv: string, config: ScorerConfig): Promise<void> {
  const air = readBeijingRows(stationCsv, XS_ROWS);
  if (air.channels.length !== config.channels) throw new Error(`XS cost: ${air.channels.length} columns read but the config has ${config.channels} channels`);
  const zeros = air.rows.map(() => 0);
  const xs = await scoreOnXs(config, air.rows, zeros, air.secondsOfDay);
  const node = new FixedPointScorer(config);
  const nodeScores = air.rows.map((row, index) => node.score(row, 0, air.secondsOfDay[index]));
  const identical = JSON.stringify(nodeScores) === JSON.stringify(xs.scores) && JSON.stringify(Array.from(node.snapshot())) === JSON.stringify(xs.state);
  const rows = air.rows.length;
  console.log(`\nXS (xsnap, the real Moddable engine): ${rows} rows of ${stationCsv}, ${config.channels} channels (${air.channels.join(", ")})`);
  console.log(`  Node and XS scores and state bit-identical: ${identical}`);
  console.log(
    `  XS compute per sample, all ${config.channels} channels: ${(xs.scorerCompute / rows).toFixed(0)} operations (${(xs.scorerCompute / rows / config.channels).toFixed(0)} a channel), the same loop without score() subtracted`,
  );
  // Peers in the same run: what each test adds to the two learnt models' cost.
  const perSample = xs.scorerCompute / rows;
  for (const [what, peer] of [
    ["the novelty test off", { ...config, noveltyBand: 0 }],
    ["the novelty, stuck and jump tests off (the two learnt models alone)", { ...config, noveltyBand: 0, stuckReadings: 0, jumpFactor: 0 }],
  ] as const) {
    const cost = (await scoreOnXs(peer, air.rows, zeros, air.secondsOfDay)).scorerCompute / rows;
    console.log(`  with ${what}: ${cost.toFixed(0)} operations a sample; as configured costs ${(perSample / cost).toFixed(2)}× that`);
  }
  console.log(`  state: ${node.stateBytes} bytes for ${config.channels} channels (preallocated Int32Arrays; budget 2048)`);
}
