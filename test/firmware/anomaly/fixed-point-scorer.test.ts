import assert from "node:assert/strict";
import test from "node:test";
import fc from "fast-check";
import { FixedPointScorer } from "../../../firmware/anomaly/FixedPointScorer";
import { parseScorerConfig } from "../../../firmware/anomaly/ScorerConfig";
import { Q16_ONE, SCORE_MAX } from "../../../firmware/anomaly/Q16";
import { FloatScorer } from "../../../host-tools/analysis/scorer/FloatScorer.ts";
import { readBeijingRows } from "../../../host-tools/analysis/scorer/air-quality-csv.ts";
import { mulberry32 } from "../../../host-tools/analysis/scorer/Mulberry32.ts";

const FIXTURE = "test/fixtures/air-quality/beijing-aotizhongxin-2013-03.csv";
const noisy = (i: number) => 20 + 3 * Math.sin(i / 5) + ((i * 7919) % 13) / 4;

test("nothing scores above 0 during warm-up, however wild the readings", () => {
  const scorer = new FixedPointScorer(parseScorerConfig({ channels: 1, warmupReadings: 50, seasonalBins: 0 }));
  for (let i = 0; i < 50; i++) assert.equal(scorer.score([i % 2 === 0 ? 1 : 1000]), 0, `reading ${i}`);
  assert.ok(scorer.score([1e6]) > 0, "the first reading after warm-up may score");
});

test("a spike after warm-up is flagged once, not on the readings that follow it", () => {
  // The novelty test would flag the second reading too, the first time the level stays far above: that is its own test below.
  const scorer = new FixedPointScorer(parseScorerConfig({ channels: 2, warmupReadings: 100, seasonalBins: 0, noveltyBand: 0 }));
  for (let i = 0; i < 400; i++) assert.equal(scorer.isAnomalous(scorer.score([noisy(i), 50])), false, `clean reading ${i}`);
  const spike = scorer.score([noisy(400) + 200, 50]);
  assert.ok(scorer.isAnomalous(spike), `spike scored ${spike}`);
  assert.ok(scorer.channelScore(0) > 0 && scorer.channelScore(1) === 0, "the combined score is the spiking channel's");
  // The level's surprise does not beat its peak again; only the small step from the spike grades, far below the threshold.
  const after = scorer.score([noisy(401) + 200, 50]);
  assert.ok(after < 0.01 * Q16_ONE, `the same level again scored ${after}`);
});

const invalid = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, "fault" as const);

test("NaN, ±Infinity and fault-flagged readings score 0 and leave that channel's state as if they never came", () => {
  // Without the shared-jump discount the channels are independent, so each must score as a scorer of its own.
  const config = parseScorerConfig({ channels: 2, warmupReadings: 20, stuckReadings: 4, seasonalBins: 6, sharedJumpDiscount: 0 });
  const discounted = parseScorerConfig({ ...config, sharedJumpDiscount: 3 });
  const single = parseScorerConfig({ ...config, channels: 1 });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.oneof(fc.integer({ min: -50, max: 50 }), invalid)), {
        minLength: 30,
        maxLength: 120,
      }),
      (rows) => {
        const both = new FixedPointScorer(config);
        const shared = new FixedPointScorer(discounted);
        const first = new FixedPointScorer(single);
        const second = new FixedPointScorer(single);
        rows.forEach(([a, b], index) => {
          const secondOfDay = (index * 3600) % 86_400;
          const fault = b === "fault";
          both.score([a, fault ? 7 : b], fault ? 0b10 : 0, secondOfDay);
          shared.score([a, fault ? 7 : b], fault ? 0b10 : 0, secondOfDay);
          assert.equal(both.channelScore(0), first.score([a], 0, secondOfDay));
          if (fault || !Number.isFinite(b)) assert.equal(both.channelScore(1), 0);
          else assert.equal(both.channelScore(1), second.score([b], 0, secondOfDay));
          // The discount only takes from a jump's grade, and a missing channel gives it nothing to take.
          for (const channel of [0, 1]) assert.ok(shared.channelScore(channel) <= both.channelScore(channel));
          if (fault || !Number.isFinite(b)) assert.equal(shared.channelScore(0), both.channelScore(0));
        });
        assert.deepEqual(both.snapshot(), Int32Array.from([...first.snapshot(), ...second.snapshot()]));
        assert.deepEqual(shared.snapshot(), both.snapshot(), "the discount changes scores, never state");
      },
    ),
    { numRuns: 200 },
  );
});

test("a reading far past the Q16.16 range halves its channel's scale once, is clamped, scores as an anomaly, and the state stays inside int32", () => {
  const scorer = new FixedPointScorer(parseScorerConfig({ channels: 1, warmupReadings: 10, seasonalBins: 0 }));
  for (let i = 0; i < 200; i++) scorer.score([noisy(i)]);
  assert.ok(scorer.isAnomalous(scorer.score([1e12])));
  for (const slot of scorer.snapshot()) assert.ok(Number.isInteger(slot));
  for (let i = 0; i < 50; i++) scorer.score([-1e12]);
  assert.ok(scorer.snapshot().every((slot) => slot >= -0x80000000 && slot <= 0x7fffffff));
});

test("a stuck sensor scores 1 once, when the run of identical readings reaches stuckReadings", () => {
  const scorer = new FixedPointScorer(parseScorerConfig({ channels: 1, warmupReadings: 10, stuckReadings: 5, seasonalBins: 0 }));
  for (let i = 0; i < 100; i++) scorer.score([noisy(i)]);
  const scores = Array.from({ length: 10 }, () => scorer.score([21.5]));
  assert.deepEqual(
    scores.map((s) => s === SCORE_MAX),
    [false, false, false, false, true, false, false, false, false, false],
  );
});

test("the state of the board's 9 channels, and of the most channels the config allows, fits in 2 KB", () => {
  assert.equal(new FixedPointScorer(parseScorerConfig({ channels: 9 })).stateBytes, 9 * (21 + 24) * 4);
  assert.ok(new FixedPointScorer(parseScorerConfig({ channels: 11 })).stateBytes <= 2048);
  assert.ok(new FixedPointScorer(parseScorerConfig({ channels: 28, seasonalBins: 0 })).stateBytes <= 2048);
  assert.throws(() => parseScorerConfig({ channels: 12 }), /config\.channels: 12 channels with 24 seasonal bins need 2160 bytes/);
  assert.throws(() => parseScorerConfig({ channels: 29, seasonalBins: 0 }), /need 2088 bytes/);
  assert.throws(() => new FixedPointScorer(parseScorerConfig({ channels: 2 })).score([1]), /expected 2 readings, got 1/);
});

test("the seasonal profile compares a reading with its own hour: a daily peak is normal, the same level at night is not", () => {
  const scorer = new FixedPointScorer(parseScorerConfig({ channels: 1, warmupReadings: 24 * 5, seasonalBins: 24 }));
  const daily = (hour: number) => (hour === 12 ? 100 : 10) + (hour % 3) * 0.5;
  for (let hour = 0; hour < 24 * 20; hour++) assert.equal(scorer.isAnomalous(scorer.score([daily(hour % 24)], 0, (hour % 24) * 3600)), false, `hour ${hour}`);
  assert.ok(scorer.isAnomalous(scorer.score([100], 0, 3 * 3600)), "the noon level at 03:00");
  assert.throws(() => scorer.score([1], 0, 86_400), /secondOfDay must be in 0…86399, got 86400/);
});

test("with the profile on, the level model runs beside the seasonal one: a spike on a channel that wanders from its hourly averages alerts", () => {
  // A random walk leaves every hour's average far behind, so against them the spike is an ordinary
  // excursion; against the level's recent mean it is some sixty noise levels out.
  const config = parseScorerConfig({ channels: 1, stuckReadings: 0, jumpFactor: 0 });
  const random = mulberry32(19);
  const scorer = new FixedPointScorer(config);
  const float = new FloatScorer(config);
  let level = 1000;
  let flagged = 0;
  for (let hour = 0; hour < 24 * 90; hour++) {
    level += 2 * random() - 1;
    const second = (hour % 24) * 3600;
    if (scorer.isAnomalous(scorer.score([level], 0, second))) flagged++;
    float.score([level], 0, second);
  }
  assert.equal(flagged, 0, "the walk itself never alerts");
  const spike = scorer.score([level + 150], 0, 0);
  assert.ok(scorer.isAnomalous(spike), `the spike scored ${spike / Q16_ONE}`);
  assert.ok(Math.abs(spike / Q16_ONE - float.score([level + 150], 0, 0)) < 1e-3, "as its float twin scores it");
});

test("a transition the channel has never made scores the level model's whole surprise, once: the first fall far below a level that has only spiked upwards alerts under its spikes' peak", () => {
  const config = parseScorerConfig({ channels: 1, warmupReadings: 100, seasonalBins: 0, stuckReadings: 0, jumpFactor: 0 });
  const upwardSpikes = (i: number) => noisy(i) + (i % 250 === 125 ? 400 : 0);
  const run = (noveltyBand: number) => {
    const scorer = new FixedPointScorer({ ...config, noveltyBand });
    const float = new FloatScorer({ ...config, noveltyBand });
    const scores: number[] = [];
    for (let i = 0; i < 3000; i++) {
      // Two falls of 160, far below the level but far less surprising than the spikes of 400.
      const x = i === 2000 || i === 2100 ? noisy(i) - 160 : upwardSpikes(i);
      const score = scorer.score([x]);
      assert.ok(Math.abs(score / Q16_ONE - float.score([x])) < 1e-3, `reading ${i}: as the float twin`);
      scores.push(score);
    }
    return { scores, scorer };
  };
  const { scores, scorer } = run(6);
  assert.ok(scorer.isAnomalous(scores[2000] as number), `the first fall scored ${(scores[2000] as number) / Q16_ONE}`);
  assert.equal(scorer.isAnomalous(scores[2100] as number), false, "the second fall makes no new transition");
  const without = run(0);
  assert.equal(without.scorer.isAnomalous(without.scores[2000] as number), false, "with the test off the fall stays under the spikes' peak");
  // Each of the 36 transitions is new once: the test raises at most 36 readings' scores in a channel's life.
  const raised = scores.filter((score, i) => score > (without.scores[i] as number)).length;
  assert.ok(raised >= 1 && raised <= 36, `the test raised ${raised} scores`);
});

test("fixed point and its float twin raise the same flag on ≥ 99.5 % of the air-quality fixture's samples", () => {
  const { rows, secondsOfDay } = readBeijingRows(FIXTURE);
  const config = parseScorerConfig({ channels: rows[0]?.length ?? 0, stuckReadings: 8, jumpFactor: 8, threshold: 0.01 });
  const fixed = new FixedPointScorer(config);
  const float = new FloatScorer(config);
  let same = 0;
  let flagged = 0;
  rows.forEach((row, index) => {
    const fixedFlag = fixed.isAnomalous(fixed.score(row, 0, secondsOfDay[index]));
    if (fixedFlag) flagged++;
    if (fixedFlag === float.isAnomalous(float.score(row, 0, secondsOfDay[index]))) same++;
  });
  const agreement = same / rows.length;
  assert.ok(flagged > 5, `only ${flagged} flags: agreement would mean nothing`);
  console.log(`fixed vs float on ${rows.length} rows × ${config.channels} channels: same flag on ${(100 * agreement).toFixed(2)} %`);
  assert.ok(agreement >= 0.995, `agreement ${agreement}`);
});

test("the stuck test fires once, when a run reaches stuckReadings and twice the channel's longest earlier run", () => {
  const config = parseScorerConfig({ channels: 1, seasonalBins: 0, warmupReadings: 30, stuckReadings: 5 });
  const fixed = new FixedPointScorer(config);
  const float = new FloatScorer(config);
  // Warm-up holds runs of 4 equal readings, so a run must reach 8; a run of 7 passes and becomes the record, so then it must reach 14.
  const values = [
    ...Array.from({ length: 40 }, (_, i) => 10 + Math.floor(i / 4)),
    ...Array.from({ length: 7 }, () => 30),
    31,
    ...Array.from({ length: 16 }, () => 32),
  ];
  const stuckAt = values.flatMap((value, i) => (fixed.score([value]) === SCORE_MAX ? [i] : []));
  const floatAt = values.flatMap((value, i) => (float.score([value]) === 1 ? [i] : []));
  assert.deepEqual(stuckAt, [48 + 13], "the fourteenth equal reading of the last run is flagged, once");
  assert.deepEqual(floatAt, stuckAt);
  const off = new FixedPointScorer(parseScorerConfig({ ...config, stuckReadings: 0 }));
  assert.ok(
    values.every((value) => off.score([value]) !== SCORE_MAX),
    "stuckReadings 0 turns it off",
  );
});

test("a run at the channel's floor neither fires nor sets the record; the same run above the floor, or a dropout below it, fires", () => {
  const config = parseScorerConfig({ channels: 1, seasonalBins: 0, warmupReadings: 30, stuckReadings: 6 });
  // Warm-up: a quiet channel between 2 and 5 with runs of 3, so a run must reach 6 to be stuck.
  const warmUp = Array.from({ length: 40 }, (_, i) => 2 + (Math.floor(i / 3) % 4));
  const run = (value: number, length: number) => Array.from({ length }, () => value);
  const values = [...warmUp, ...run(2, 20), 4, ...run(3, 8), 4, ...run(0, 16), 3];
  for (const scorer of [new FixedPointScorer(config), new FloatScorer(config)]) {
    const stuckAt = values.flatMap((value, i) =>
      (scorer instanceof FixedPointScorer ? scorer.score([value]) === SCORE_MAX : scorer.score([value]) === 1) ? [i] : [],
    );
    // 20 readings at the floor (2) pass unflagged and do not become the record, so a run of 3s
    // is stuck at its sixth reading (40 + 20 + 1 + 5); its 8 become the record, so 0s below the
    // floor are stuck at their sixteenth (70 + 15).
    assert.deepEqual(stuckAt, [66, 85], scorer.constructor.name);
  }
});

test("a jump the other channels share is discounted by sharedJumpDiscount times theirs; a lone jump is graded as it is", () => {
  const config = parseScorerConfig({ channels: 3, seasonalBins: 0, warmupReadings: 100, jumpFactor: 8, knee: 255, sharedJumpDiscount: 1 });
  const alone = parseScorerConfig({ ...config, sharedJumpDiscount: 0 });
  const scorers = [new FixedPointScorer(config), new FixedPointScorer(alone)] as const;
  const twin = new FloatScorer(config);
  const at = new Map<number, number[]>();
  for (let i = 0; i < 500; i++) {
    // A plume at 300 lifts channels 0 and 1 by the same 40; at 400 channel 2 alone jumps by 40.
    const row = [noisy(i) + (i >= 300 ? 40 : 0), noisy(i + 3) + (i >= 300 ? 40 : 0), noisy(i + 7) + (i >= 400 ? 40 : 0)];
    const [shared, lone] = scorers.map((scorer) => scorer.score(row) / Q16_ONE) as [number, number];
    assert.ok(Math.abs(shared - twin.score(row)) < 1e-3, `reading ${i}: the twins agree`);
    if (i === 300 || i === 400) at.set(i, [shared, lone]);
  }
  const [plumeShared, plumeAlone] = at.get(300) as [number, number];
  const [loneShared, loneAlone] = at.get(400) as [number, number];
  assert.ok(plumeAlone > 0.5, `each channel's own jump at the plume grades ${plumeAlone}`);
  // Both jumps are about 10 records: less one of each other's, almost nothing is left.
  assert.ok(plumeShared < 0.2, `discounted by the other channel's, the plume grades ${plumeShared}`);
  assert.ok(loneShared > 0.5 && Math.abs(loneShared - loneAlone) < 0.05, `a lone jump grades ${loneShared} discounted, ${loneAlone} not`);
});

test("the jump test grades the reading that jumps by its step in records; a step half the channel's largest grades under 1 / (1 + jumpFactor)", () => {
  // The widest knee keeps the level's own score low, so a channel's score at a jump is the jump's grade.
  const config = parseScorerConfig({ channels: 2, seasonalBins: 0, warmupReadings: 100, jumpFactor: 8, knee: 255 });
  const fixed = new FixedPointScorer(config);
  const float = new FloatScorer(config);
  const off = new FixedPointScorer(parseScorerConfig({ ...config, jumpFactor: 0 }));
  const grades = new Map<string, number>();
  let largestStep = 0;
  let otherwise = 0;
  let previous = [noisy(0), noisy(0)];
  for (let i = 0; i < 600; i++) {
    // Channel 0 spikes at 300 and comes back; channel 1 jumps by the same amount at 450 and stays.
    const row = [noisy(i) + (i === 300 ? 40 : 0), noisy(i) + (i >= 450 ? 40 : 0)];
    const score = fixed.score(row);
    off.score(row);
    assert.ok(Math.abs(score / Q16_ONE - float.score(row)) < 1e-3, `reading ${i}: the twins agree`);
    for (const channel of [0, 1]) {
      const added = (fixed.channelScore(channel) - off.channelScore(channel)) / Q16_ONE;
      const step = Math.abs((row[channel] as number) - (previous[channel] as number));
      if ((i === 300 && channel === 0) || (i === 450 && channel === 1)) grades.set(`${channel}@${i}`, fixed.channelScore(channel) / Q16_ONE);
      else if (i > 100 && step <= largestStep / 2) otherwise = Math.max(otherwise, added);
      if (i < 300) largestStep = Math.max(largestStep, step);
    }
    previous = row;
  }
  // noisy() steps at most about 4, so the 40-unit rise is about 10 records: 10 / (10 + 8).
  for (const [where, grade] of grades) assert.ok(grade > 0.5 && grade < 0.7, `the jump at ${where} grades ${grade}`);
  assert.equal(grades.size, 2);
  // The record loses at most 44 % over these 600 readings, so half the largest step is under one record.
  assert.ok(otherwise < 1 / 9, `a step half the largest gains under 1/9 from the test, got ${otherwise}`);
});

/** Fixed point and float twin side by side on one channel: each reading's score, 0 … 1. */
function bothScores(config: ReturnType<typeof parseScorerConfig>, values: readonly number[]): { fixed: number[]; float: number[] } {
  const fixed = new FixedPointScorer(config);
  const float = new FloatScorer(config);
  return { fixed: values.map((value) => fixed.score([value]) / Q16_ONE), float: values.map((value) => float.score([value])) };
}

test("a channel whose level grows 10^6-fold past its first reading is followed by halving its scale, not held at the clamp", () => {
  const config = parseScorerConfig({ channels: 1, seasonalBins: 0 });
  const values = Array.from({ length: 6000 }, (_, i) => 1.5 * 10 ** Math.min(6, i / 500) * (1 + 0.02 * Math.sin(i * 1.7)));
  values[5500] = 3 * (values[5500] as number);
  const { fixed, float } = bothScores(config, values);
  const flags = (scores: number[]) => scores.flatMap((score, i) => (score >= config.threshold ? [i] : []));
  assert.ok(flags(fixed).includes(5500), "the tripled reading on the grown level is flagged");
  assert.deepEqual(flags(fixed), flags(float), "the same flags as in doubles");
  for (const [i, score] of fixed.entries()) assert.ok(Math.abs(score - (float[i] as number)) < 0.002, `reading ${i}: ${score} vs ${float[i]}`);
});

test("the slow noise level does not stall under its shift: noise of 5·10^−5 of a high level scores as in doubles", () => {
  // The noise is about 50 LSB in Q16.16, far under the 2^12 a deviationShift of 12 divides by.
  const config = parseScorerConfig({ channels: 1, seasonalBins: 0, deviationShift: 12 });
  const values = Array.from({ length: 20_000 }, (_, i) => 1000 + 0.05 * Math.sin(i * 2.3) * Math.sin(i * 0.037));
  values[19_000] = 1001;
  const { fixed, float } = bothScores(config, values);
  const flags = (scores: number[]) => scores.flatMap((score, i) => (score >= config.threshold ? [i] : []));
  // A floored update would sink the noise level to 0, and every later wiggle would alert.
  assert.deepEqual(flags(fixed), [19_000], "only the step of 20 noise levels is flagged");
  assert.deepEqual(flags(float), [19_000]);
});
