import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { chaosRun } from "../../../host-tools/twin/ChaosRun.ts";

test(
  "chaos: the twin SIGKILLed 20 times at seeded moments (3 boards, the real TLS core), restarted on the same state, loses no reading and curates each once",
  { timeout: 600_000 },
  async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), "aqm-chaos-"));
    try {
      const outcome = await chaosRun({ stateDir, boards: 3, kills: 20, seed: 20, killAfterMs: { min: 200, max: 3500 }, finalRunS: 8 });
      assert.equal(outcome.finalExitCode, 0, "the clean run drained every board");
      // Enough readings that the kills fell while boards were queueing and sending; how many depends on the machine's speed.
      assert.ok(outcome.taken > 20, `the boards took ${outcome.taken} readings`);
      // The boards' own serial logs are the baseline: every reading that reached a board's flash queue is curated exactly once.
      assert.deepEqual(outcome.missing, []);
      assert.equal(outcome.repeated, 0);
      // Readings taken before a board's clock was set, in a boot killed before it was, are no exception.
      assert.equal(outcome.lostBeforeClock, 0, `${outcome.lostBeforeClock} of ${outcome.restartedBeforeClock} readings taken on an unset clock`);
      assert.equal(outcome.curated, outcome.taken);
      // The stop summary counts every boot, not only the last: readings over every boot, none missing from the lake.
      assert.equal(outcome.finalSummary.length, 3);
      for (const line of outcome.finalSummary) {
        assert.match(line, /^aqm-sim-00\d: \d+ readings over \d+ boots/);
        assert.doesNotMatch(line, /are not:/);
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
);
