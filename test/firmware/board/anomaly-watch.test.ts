import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_SCORER_CONFIG } from "../../../firmware/anomaly/ScorerConfig";
import { AnomalyWatch } from "../../../firmware/board/AnomalyWatch";
import { CHANNELS } from "../../../firmware/telemetry/Channels";
import type { IntervalReading } from "../../../firmware/sampling/Sampler";

function reading(i: number, co: number, coHealth = "ok"): IntervalReading {
  const r: Record<string, { value?: number; health: string }> = {};
  CHANNELS.forEach(({ name }, k) => (r[name] = { value: 10 + k + Math.sin(i / 7 + k), health: "ok" }));
  r.co_ppb = coHealth === "ok" ? { value: co, health: "ok" } : { health: coHealth };
  return r as unknown as IntervalReading;
}

const at = (i: number) => Date.UTC(2026, 10, 22) + i * 60_000;

test("a new threshold keeps what the scorer learnt; a new model setting starts it afresh; a faulty channel is not scored", () => {
  const kept = new AnomalyWatch(DEFAULT_SCORER_CONFIG);
  const twin = new AnomalyWatch(DEFAULT_SCORER_CONFIG);
  const fresh = new AnomalyWatch(DEFAULT_SCORER_CONFIG);
  for (let i = 0; i < 400; i++) for (const w of [kept, twin, fresh]) w.score(reading(i, 300 + 5 * Math.sin(i / 5)), at(i));
  kept.reconfigure({ ...DEFAULT_SCORER_CONFIG, threshold: 0.9 });
  fresh.reconfigure({ ...DEFAULT_SCORER_CONFIG, meanShift: DEFAULT_SCORER_CONFIG.meanShift + 1 });
  const spike = reading(400, 900);
  const a = kept.score(spike, at(400));
  const b = twin.score(spike, at(400));
  const c = fresh.score(spike, at(400));
  assert.equal(a.score, b.score, "same state, same score");
  assert.ok(
    b.score >= DEFAULT_SCORER_CONFIG.threshold && b.flagged && b.channel === "co_ppb",
    `the spike flags co_ppb at the default threshold (score ${b.score})`,
  );
  assert.equal(a.flagged, a.score >= 0.9, "the new threshold decides the flag");
  assert.deepEqual(c, { score: 0, flagged: false }, "a restarted scorer is in warm-up");
  const faulty = twin.score(reading(401, 5000, "fault:saturated"), at(401));
  assert.notEqual(faulty.channel, "co_ppb");
});
