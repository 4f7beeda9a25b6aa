/**
 * npm run bench:chaos [-- --kills N --boards B --seed S] — the twin SIGKILLed N times (default 100)
 * at seeded moments while B boards (default 3) publish over the real TLS core, restarted each time
 * on the same state folder, then stopped cleanly once. Prints readings taken (the boards' own
 * serial logs) / in the curated lake / duplicates removed, and any reading lost. The baseline is
 * what the boards took: the lake should hold exactly that, each once. Asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chaosRun } from "../host-tools/twin/ChaosRun.ts";

const { values } = parseArgs({
  options: { kills: { type: "string", default: "100" }, boards: { type: "string", default: "3" }, seed: { type: "string", default: "18" } },
});
const stateDir = mkdtempSync(path.join(os.tmpdir(), "aqm-bench-chaos-"));
const started = performance.now();
try {
  const outcome = await chaosRun({
    stateDir,
    boards: Number(values.boards),
    kills: Number(values.kills),
    seed: Number(values.seed),
    killAfterMs: { min: 500, max: 6000 },
    finalRunS: 10,
    onRun: (run, after) => {
      if (run % 10 === 0) process.stderr.write(`run ${run}${after === undefined ? " (clean)" : ` killed after ${after} ms`}\n`);
    },
  });
  console.log(
    `bench:chaos — ${outcome.kills} SIGKILLs (seed ${values.seed}) of the twin with ${values.boards} boards, then one clean run; ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(`readings taken (boards' serial logs)   ${outcome.taken}`);
  console.log(`in the curated lake                    ${outcome.curated} (${outcome.repeated} more than once)`);
  console.log(`duplicates removed by curation         ${outcome.duplicatesRemoved}`);
  console.log(
    `lost (taken, not curated)              ${outcome.missing.length}${outcome.missing.length ? `: ${outcome.missing.slice(0, 10).join(", ")}` : ""}`,
  );
  console.log(
    `lost on the board itself               ${outcome.lostBeforeClock} of ${outcome.restartedBeforeClock} taken before the board's clock was set in a boot killed before it was`,
  );
  console.log(`final run exit code                    ${outcome.finalExitCode}`);
} finally {
  if (!process.env.AQM_KEEP_STATE) rmSync(stateDir, { recursive: true, force: true });
  else console.log(`state kept in ${stateDir}`);
}
