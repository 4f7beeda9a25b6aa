import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScorerConfig, DEFAULT_SCORER_CONFIG } from '../../firmware/anomaly/ScorerConfig.ts';
import { applyDesired } from '../../firmware/shadow/RuntimeSettings.ts';

const dir = (rel: string) => fileURLToPath(new URL(`../../cloud/${rel}/`, import.meta.url));
const SCRIPT_DIRS = ['glue', 'sagemaker', 'lambda'].map(dir);
const python = spawnSync('python3', ['--version']).status === 0;
// CI's machine image ships python3 (node-gyp needs it), so a missing python3 is a broken image there, not a skip.
const skip = python ? false : process.env.CI ? false : 'python3 is not installed: the Glue, data-preparation and calibration scripts were not checked';

// No __pycache__ in cloud/: the Lambda's code directory is an asset, and its hash must not depend on test runs.
const pyEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

function py(code: string, input = ''): string {
  return execFileSync('python3', ['-c', code], { input, encoding: 'utf8', env: pyEnv });
}

test('every Python script in cloud/glue, cloud/sagemaker and cloud/lambda compiles', { skip }, () => {
  const files = SCRIPT_DIRS.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.py')).map((f) => d + f));
  assert.ok(files.length >= 3, files.join(', '));
  const out = mkdtempSync(join(tmpdir(), 'aqm-pyc-'));
  // py_compile, with the bytecode written to a temporary folder rather than next to the script.
  for (const [i, file] of files.entries()) py(`import py_compile; py_compile.compile(${JSON.stringify(file)}, cfile=${JSON.stringify(join(out, `${i}.pyc`))}, doraise=True)`);
});

test('data preparation: RCF rows fill gaps with the thing\'s own mean; DeepAR series are hourly means with nulls for empty hours', { skip }, () => {
  const out = JSON.parse(py(`
import json, sys
sys.path.insert(0, ${JSON.stringify(dir('sagemaker'))})
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
`));
  assert.deepEqual(out.features, ['pm1_ugm3', 'pm2_5_ugm3', 'pm10_ugm3', 'co_ppb', 'no2_ppb', 'so2_ppb', 'o3_ppb', 'temperature_c', 'humidity_pct']);
  const files = out.files as Record<string, string>;
  assert.deepEqual(Object.keys(files).sort(), ['deepar/infer/infer.jsonl', 'deepar/train/train.jsonl', 'rcf/score/a.csv', 'rcf/score/b.csv', 'rcf/train/train.csv']);
  // Thing a, ordered by ts; co_ppb missing twice, filled with a's only co value (200); never-seen channels are 0.
  assert.equal(files['rcf/score/a.csv'], ['0.0,2.0,0.0,200.0,0.0,0.0,0.0,0.0,0.0', '0.0,6.0,0.0,200.0,0.0,0.0,0.0,0.0,0.0', '0.0,10.0,0.0,200.0,0.0,0.0,0.0,0.0,0.0', ''].join('\n'));
  assert.equal(files['rcf/train/train.csv'], files['rcf/score/a.csv'] + files['rcf/score/b.csv']);
  const series = files['deepar/train/train.jsonl']!.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(series, [
    { start: '2026-11-22 22:00:00', target: [200], id: 'a/co_ppb' },
    { start: '2026-11-22 22:00:00', target: [4, null, 10], id: 'a/pm2_5_ugm3' },
    { start: '2026-11-22 22:00:00', target: [30], id: 'b/o3_ppb' },
    { start: '2026-11-22 22:00:00', target: [4], id: 'b/pm2_5_ugm3' },
  ]);
  assert.equal(files['deepar/infer/infer.jsonl'], files['deepar/train/train.jsonl']);
});

test('Glue ETL helpers: arrival-day prefixes and SQL statement splitting (quoted semicolons kept)', { skip }, () => {
  const out = JSON.parse(py(`
import json, sys
from datetime import date
sys.path.insert(0, ${JSON.stringify(dir('glue'))})
import telemetry_etl as e
print(json.dumps({
  "prefixes": e.arrival_prefixes("raw/", date(2026, 3, 1), 2),
  "statements": e.sql_statements("-- header; comment\\nCREATE TEMP VIEW a AS SELECT ';' AS s;\\n\\nCREATE TEMP VIEW b AS SELECT 1;\\n"),
  "split": e.split_s3("s3://bucket/some/key.sql"),
}))
`));
  assert.deepEqual(out.prefixes, ['raw/year=2026/month=02/day=27/', 'raw/year=2026/month=02/day=28/', 'raw/year=2026/month=03/day=01/']);
  assert.deepEqual(out.statements, ["CREATE TEMP VIEW a AS SELECT ';' AS s", 'CREATE TEMP VIEW b AS SELECT 1']);
  assert.deepEqual(out.split, ['bucket', 'some/key.sql']);
});

function calibrate(scores: number[], knee = DEFAULT_SCORER_CONFIG.knee): { state: { desired: { anomaly: Record<string, unknown> } } } {
  const script = dir('lambda') + 'calibrate_thresholds.py';
  const stdout = execFileSync('python3', [script], { input: scores.map((s) => JSON.stringify({ score: s })).join('\n'), encoding: 'utf8', env: { ...pyEnv, KNEE: String(knee) } });
  return JSON.parse(stdout);
}

test('threshold calibration: the board applies the shadow\'s desired state as it is (firmware/shadow/RuntimeSettings.ts)', { skip }, () => {
  const quiet = Array.from({ length: 1000 }, (_, i) => 1 + 0.01 * Math.sin(i));
  const doc = calibrate(quiet);
  assert.deepEqual(Object.keys(doc.state.desired), ['anomaly']);
  const current = { sampleIntervalMs: 60_000, readIntervalMs: 5_000, anomaly: DEFAULT_SCORER_CONFIG };
  const noCalibration = { replace: () => assert.fail('the calibration step sends no gas calibration record') };
  const outcome = applyDesired(current, doc.state.desired, noCalibration);
  assert.deepEqual(outcome.rejected, {});
  assert.deepEqual(outcome.applied, ['anomaly']);
  assert.deepEqual(outcome.settings.anomaly, { ...DEFAULT_SCORER_CONFIG, threshold: doc.state.desired.anomaly.threshold, knee: 20 });
  assert.deepEqual(parseScorerConfig(doc.state.desired.anomaly), outcome.settings.anomaly);
});

test('threshold calibration: more RCF outliers give a lower board threshold; the rate is clamped to [0.1 %, 5 %]', { skip }, () => {
  const base = Array.from({ length: 1000 }, (_, i) => 1 + 0.05 * Math.sin(i * 0.7));
  const withOutliers = (n: number) => base.map((s, i) => (i < n ? 50 : s));
  const threshold = (scores: number[]) => calibrate(scores).state.desired.anomaly.threshold as number;
  const none = threshold(base);
  const few = threshold(withOutliers(10)); // 1 % above mean + 3 sd
  const many = threshold(withOutliers(40)); // 4 %
  assert.ok(none > few && few > many, `${none} > ${few} > ${many}`);
  // p = 0.1 % (the floor): z = inv_cdf(0.9995) / sqrt(2/pi) = 3.2905 / 0.79788 = 4.1241; 4.1241 / 24.1241
  assert.equal(none, 0.171);
  // p = 1 %: z = 2.5758 / 0.79788 = 3.2284; 3.2284 / 23.2284
  assert.equal(few, 0.139);
  // A larger knee needs a lower threshold for the same rate.
  assert.ok((calibrate(base, 40).state.desired.anomaly.threshold as number) < none);
});
