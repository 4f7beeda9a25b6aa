import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScorerConfig, DEFAULT_SCORER_CONFIG } from "../../firmware/anomaly/ScorerConfig.ts";
import { applyDesired } from "../../firmware/shadow/RuntimeSettings.ts";

const dir = (rel: string) => fileURLToPath(new URL(`../../cloud/${rel}/`, import.meta.url));
const SCRIPT_DIRS = ["glue", "sagemaker", "lambda"].map(dir);

// No __pycache__ in cloud/: the Lambda's code directory is an asset, and its hash must not depend on test runs.
const pyEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };

function py(code: string, input = ""): string {
  return execFileSync("python3", ["-c", code], { input, encoding: "utf8", env: pyEnv });
}

test("every Python script in cloud/glue, cloud/sagemaker and cloud/lambda compiles", () => {
  const files = SCRIPT_DIRS.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith(".py"))
      .map((f) => d + f),
  );
  assert.ok(files.length >= 3, files.join(", "));
  const out = mkdtempSync(join(tmpdir(), "aqm-pyc-"));
  // py_compile, with the bytecode written to a temporary folder rather than next to the script.
  for (const [i, file] of files.entries())
    py(`import py_compile; py_compile.compile(${JSON.stringify(file)}, cfile=${JSON.stringify(join(out, `${i}.pyc`))}, doraise=True)`);
});

test("data preparation: RCF rows fill gaps with the thing's own mean; DeepAR series are hourly means with nulls for empty hours", () => {
  const out = JSON.parse(
    py(`
import json, sys
sys.path.insert(0, ${JSON.stringify(dir("sagemaker"))})
import prepare_training_data as p
H = 3600000
t0 = 1795384800000  # 2026-11-22 22:00:00 UTC, on the hour
recs = [
  {"thing": "b", "ts": t0 + 60000, "pm2_5_ugm3": 4.0, "o3_ppb": 30.0},
  {"thing": "a", "ts": t0 + 120000, "pm2_5_ugm3": 6.0, "co_ppb": None},
  {"thing": "a", "ts": t0 + 60000, "pm2_5_ugm3": 2.0, "co_ppb": 200.0},
  {"thing": "a", "ts": t0 + 2 * H + 5, "pm2_5_ugm3": 10.0, "co_ppb": float("nan")},
]
print(json.dumps({"features": p.RCF_FEATURES, "files": p.outputs(recs)}))
`),
  );
  assert.deepEqual(out.features, ["pm1_ugm3", "pm2_5_ugm3", "pm10_ugm3", "co_ppb", "no2_ppb", "so2_ppb", "o3_ppb", "temperature_c", "humidity_pct"]);
  const files = out.files as Record<string, string>;
  assert.deepEqual(Object.keys(files).sort(), [
    "deepar_infer/infer.jsonl",
    "deepar_train/train.jsonl",
    "rcf_keys/a.csv",
    "rcf_keys/b.csv",
    "rcf_score_input/a.csv",
    "rcf_score_input/b.csv",
    "rcf_train/train.csv",
  ]);
  // Thing a, ordered by ts; co_ppb missing twice, filled with a's only co value (200); never-seen channels are 0.
  assert.equal(
    files["rcf_score_input/a.csv"],
    ["0.0,2.0,0.0,200.0,0.0,0.0,0.0,0.0,0.0", "0.0,6.0,0.0,200.0,0.0,0.0,0.0,0.0,0.0", "0.0,10.0,0.0,200.0,0.0,0.0,0.0,0.0,0.0", ""].join("\n"),
  );
  assert.equal(files["rcf_train/train.csv"], files["rcf_score_input/a.csv"] + files["rcf_score_input/b.csv"]);
  // One ts a line, in the score file's row order: the results step joins each score to its reading by line.
  assert.equal(files["rcf_keys/a.csv"], "1795384860000\n1795384920000\n1795392000005\n");
  const series = files["deepar_train/train.jsonl"]!.trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(series, [
    { start: "2026-11-22 22:00:00", target: [200], id: "a/co_ppb" },
    { start: "2026-11-22 22:00:00", target: [4, null, 10], id: "a/pm2_5_ugm3" },
    { start: "2026-11-22 22:00:00", target: [30], id: "b/o3_ppb" },
    { start: "2026-11-22 22:00:00", target: [4], id: "b/pm2_5_ugm3" },
  ]);
  assert.equal(files["deepar_infer/infer.jsonl"], files["deepar_train/train.jsonl"]);
});

const CALIBRATION_SCRIPT = dir("lambda") + "calibrate_thresholds.py";

function runCalibration(scores: number[], knee: string) {
  const input = scores.map((s) => JSON.stringify({ score: s })).join("\n");
  return spawnSync("python3", [CALIBRATION_SCRIPT], { input, encoding: "utf8", env: { ...pyEnv, KNEE: knee } });
}

function calibrate(scores: number[]): { state: { desired: { anomaly: Record<string, unknown> } } } {
  const run = runCalibration(scores, String(DEFAULT_SCORER_CONFIG.knee));
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** The board's own conversion of a threshold (firmware/board/AnomalyWatch.ts). */
const q16 = (threshold: number) => Math.round(threshold * 65536);

test("threshold calibration: the board applies the shadow's desired state as it is (firmware/shadow/RuntimeSettings.ts), and only its threshold changes", () => {
  const quiet = Array.from({ length: 1000 }, (_, i) => 1 + 0.01 * Math.sin(i));
  const doc = calibrate(quiet);
  assert.deepEqual(Object.keys(doc.state.desired), ["anomaly"]);
  assert.deepEqual(Object.keys(doc.state.desired.anomaly), ["threshold"]);
  // A board keeps its other settings (here the stuck-sensor check): a new threshold alone keeps what its scorer has learnt.
  const ownModel = { ...DEFAULT_SCORER_CONFIG, stuckReadings: 8 };
  const current = { sampleIntervalMs: 60_000, readIntervalMs: 5_000, batchWaitMs: 0, anomaly: ownModel };
  const noCalibration = { replace: () => assert.fail("the calibration step sends no gas calibration record") };
  const outcome = applyDesired(current, doc.state.desired, noCalibration);
  assert.deepEqual(outcome.rejected, {});
  assert.deepEqual(outcome.applied, ["anomaly"]);
  assert.deepEqual(outcome.settings.anomaly, { ...ownModel, threshold: doc.state.desired.anomaly.threshold });
  assert.deepEqual(parseScorerConfig(doc.state.desired.anomaly), { ...DEFAULT_SCORER_CONFIG, threshold: doc.state.desired.anomaly.threshold });
});

test("threshold calibration: the rate maps through threshold_table.json, log-linear between its rates; more RCF outliers give a lower threshold; the rate is clamped to [0.1 %, 2 %]", () => {
  const base = Array.from({ length: 1000 }, (_, i) => 1 + 0.05 * Math.sin(i * 0.7));
  const withOutliers = (n: number) => base.map((s, i) => (i < n ? 50 : s));
  const threshold = (scores: number[]) => calibrate(scores).state.desired.anomaly.threshold as number;
  const table = JSON.parse(readFileSync(CALIBRATION_SCRIPT.replace(/calibrate_thresholds\.py$/, "threshold_table.json"), "utf8")) as {
    thresholds: { rate: number; threshold: number }[];
  };
  const t = (rate: number) => table.thresholds.find((row) => row.rate === rate)!.threshold;
  const none = threshold(base); // 0 % above mean + 3 sd: the 0.1 % floor
  const three = threshold(withOutliers(3)); // 0.3 %, between the table's 0.2 % and 0.5 %
  const five = threshold(withOutliers(5)); // 0.5 %
  const ten = threshold(withOutliers(10)); // 1 %
  const forty = threshold(withOutliers(40)); // 4 %: the 2 % ceiling
  assert.ok(none > three && three > five && five > ten && ten > forty, `${none} > ${three} > ${five} > ${ten} > ${forty}`);
  // The table's values at its rates, to six decimals, which the board rounds back to the table's own Q0.16 step.
  assert.deepEqual([none, five, ten, forty], [0.377533, 0.294617, 0.243195, 0.180908]);
  assert.deepEqual(
    [none, five, ten, forty].map(q16),
    [0.001, 0.005, 0.01, 0.02].map((rate) => q16(t(rate))),
  );
  assert.deepEqual([q16(t(0.001)), q16(t(0.005)), q16(t(0.01)), q16(t(0.02))], [24742, 19308, 15938, 11856]);
  // 0.3 %: t(0.2 %) + (t(0.5 %) − t(0.2 %)) · ln(0.3 / 0.2) / ln(0.5 / 0.2) = 0.346024 − 0.051407 · 0.44251
  const logLinear = t(0.002) + (t(0.005) - t(0.002)) * (Math.log(1.5) / Math.log(2.5));
  assert.equal(three, Math.round(logLinear * 1e6) / 1e6);
  assert.equal(three, 0.323276);
});

test("threshold calibration: a KNEE other than the table's is refused, naming both knees; no document is printed", () => {
  const run = runCalibration([1, 2, 3], "25");
  assert.notEqual(run.status, 0);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /KNEE is '25', but threshold_table\.json was made for knee 20/);
});

test("threshold calibration: a table whose thresholds rise with the rate is refused, naming the file and the field", () => {
  const folder = mkdtempSync(join(tmpdir(), "aqm-table-"));
  const broken = join(folder, "threshold_table.json");
  writeFileSync(
    broken,
    JSON.stringify({
      config: { knee: 20 },
      thresholds: [
        { rate: 0.001, threshold: 0.02 },
        { rate: 0.01, threshold: 0.03 },
      ],
    }),
  );
  const out = py(`
import sys
sys.path.insert(0, ${JSON.stringify(dir("lambda"))})
import calibrate_thresholds as c
try:
    c.load_table(${JSON.stringify(broken)})
except ValueError as e:
    print(e)
`);
  assert.equal(out.trim(), `${broken}: thresholds[].threshold must be in (0, 1) and fall as the rate rises, got [0.02, 0.03]`);
});
