import assert from "node:assert/strict";
import { test } from "node:test";
import { buildFaultSeries, FAULT_KINDS, FAULT_WINDOWS, injectFault } from "../../../../host-tools/analysis/scorer/fault-injection.ts";

/** Three channels; channel 0 alternates 10, 12 (σ 1 before any onset), channel 1 counts up, channel 2 is 100. */
const rows = Array.from({ length: 40 }, (_, i) => [i % 2 === 0 ? 10 : 12, i, 100]);
const changedRows = (faulty: number[][], channel: number) => faulty.flatMap((row, i) => (row[channel] !== rows[i]?.[channel] ? [i] : []));

test("each fault changes only its channel, from onset, by its size in the channel's σ before onset", () => {
  const spike = injectFault(rows, "spike", 0, 20, 1);
  assert.deepEqual(changedRows(spike, 0), [20]);
  assert.equal(spike[20]?.[0], 10 + 6);
  assert.deepEqual(changedRows(spike, 1), []);

  const stuck = injectFault(rows, "stuck", 0, 20, 1);
  assert.deepEqual(
    stuck.slice(19).map((row) => row[0]),
    Array(21).fill(12),
    "frozen at the last reading before onset, 48 rows or to the end",
  );
  const dropout = injectFault(rows, "dropout", 0, 10, 1);
  assert.deepEqual(
    changedRows(dropout, 0),
    Array.from({ length: 24 }, (_, i) => 10 + i),
    "0 for 24 rows, then the readings again",
  );
  assert.ok(dropout.slice(10, 34).every((row) => row[0] === 0));

  const step = injectFault(rows, "step", 0, 20, 1);
  assert.ok(step.every((row, i) => row[0] === (rows[i]?.[0] as number) + (i >= 20 ? 3 : 0)));
  const drift = injectFault(rows, "drift", 0, 4, 1);
  assert.equal(drift[4]?.[0], rows[4]?.[0], "a drift starts at 0");
  assert.ok(Math.abs((drift[40 - 1]?.[0] as number) - (rows[39]?.[0] as number) - (35 / 72) * 3 * 1) < 1e-12, "and grows by 3σ over 72 rows");

  const swap = injectFault(rows, "swap", 1, 30, 2);
  assert.deepEqual(swap[29], rows[29]);
  assert.deepEqual(swap[30], [rows[30]?.[0], 100, 30]);
  assert.deepEqual(rows[30], [10, 30, 100], "the input is not modified");
});

test("a station's rows become series of each kind in turn, windows inside the series, the clean rows beside the faulty", () => {
  const station = Array.from({ length: 5000 }, (_, i) => [50 + 10 * Math.sin(i / 3), 20 + (i % 7), 1000 + Math.cos(i)]);
  const data = { channels: ["PM2.5", "NO2", "PRES"], rows: station, secondsOfDay: station.map((_, i) => (i % 24) * 3600) };
  const plan = { length: 1000, stride: 500, onsetFrom: 500, onsetTo: 880, seed: 7 };
  const series = buildFaultSeries("Toy", data, plan);
  assert.equal(series.length, 9);
  assert.deepEqual(
    series.map((s) => s.kind),
    [...FAULT_KINDS, ...FAULT_KINDS].slice(0, 9),
  );
  for (const s of series) {
    assert.ok(s.onset >= 500 && s.onset <= 880 && s.windowEnd === s.onset + FAULT_WINDOWS[s.kind] - 1 && s.windowEnd < 1000, s.name);
    assert.equal(s.episodeChannel, 0);
    const start = Number(s.name.split("/")[1]);
    assert.deepEqual(s.clean, station.slice(start, start + 1000));
    assert.notDeepEqual(s.faulty, s.clean, `${s.name} (${s.kind}) has its fault`);
  }
  assert.deepEqual(buildFaultSeries("Toy", data, plan), series, "the same seed gives the same series");
  assert.throws(() => buildFaultSeries("Toy", data, { ...plan, onsetTo: 950 }), /fault windows from onset 950 run past the series' 1000 rows/);
});
