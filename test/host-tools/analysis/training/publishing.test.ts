import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_SCORER_CONFIG } from "../../../../firmware/anomaly/ScorerConfig.ts";
import { BUILD_DEFAULTS, localTwinScorerConfig } from "../../../../host-tools/analysis/training/BoardScorerSettings.ts";
import { DesiredPatchFiles } from "../../../../host-tools/analysis/training/DesiredStatePublisher.ts";

test("desired-state patches are written one file per thing, as given", async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "aqm-desired-")), "desired");
  const files = new DesiredPatchFiles(dir);
  await files.publishDesired("aqm-001", { anomaly: { threshold: 0.0305 } });
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, "aqm-001.json"), "utf8")), { anomaly: { threshold: 0.0305 } });
  await assert.rejects(files.publishDesired("../escape", {}), /invalid thing name "\.\.\/escape"/);
});

test("a thing's current scorer settings: the local twin board's stored ones, else the firmware's defaults", () => {
  const state = mkdtempSync(path.join(tmpdir(), "aqm-state-"));
  mkdirSync(path.join(state, "boards", "aqm-010"), { recursive: true });
  const stored = { anomaly: { ...DEFAULT_SCORER_CONFIG, threshold: 0.05, knee: 30 } };
  writeFileSync(path.join(state, "boards", "aqm-010", "nvs.json"), JSON.stringify({ aqm: { settings: JSON.stringify(stored) } }));
  const lookup = localTwinScorerConfig(state);
  const known = lookup("aqm-010");
  assert.deepEqual(known.config, stored.anomaly);
  assert.match(known.source, /the board's stored settings \(.*boards\/aqm-010\/nvs\.json\)/);
  assert.equal(lookup("aqm-011"), BUILD_DEFAULTS);
});
