import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// The benches read their command lines through BenchOptions: run two of them as a user would,
// with flags that make them stop before any work.
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const bench = (file: string, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", `bench/${file}`, ...args], { cwd: REPO, encoding: "utf8", timeout: 60_000 });

for (const file of ["twin-latency.ts", "twin-fleet.ts"]) {
  test(`${file} --help prints its options and exits 0`, () => {
    const run = bench(file, "--help");
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /--boards N/);
    assert.match(run.stdout, /--seconds S/);
  });

  test(`${file} refuses an unknown option and a value that is not a number, naming it, with exit 2`, () => {
    const unknown = bench(file, "--bords", "3");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--bords'/);
    assert.match(unknown.stderr, /--boards N/, "the help follows the error");
    const notNumber = bench(file, "--seconds", "ten");
    assert.equal(notNumber.status, 2);
    assert.match(notNumber.stderr, /--seconds must be a number, 0 or more, not "ten"/);
  });
}
