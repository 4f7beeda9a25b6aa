import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { MainJob } from "../../../host-tools/twin/MainJob.ts";
import { parseMainJobOptions } from "../../../host-tools/twin/MainJobOptions.ts";

/** Whether a file holds private material: a PEM private key, or a board's preferences with its key and Wi-Fi password. */
function holdsSecrets(file: string): boolean {
  const text = readFileSync(file, "latin1");
  return text.includes("PRIVATE KEY") || /"password"\s*:|"key"\s*:\s*\{\s*"bytes"/.test(text);
}

test(
  "every file under the state folder holding a key or a password is 0600, in a 0700 folder, even where an older run left it readable",
  { timeout: 60_000 },
  async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), "aqm-perms-"));
    try {
      // What an older simulator left behind: a board's preferences readable by everyone.
      const board = path.join(state, "boards", "aqm-sim-001");
      mkdirSync(board, { recursive: true, mode: 0o755 });
      writeFileSync(path.join(board, "nvs.json"), "{}", { mode: 0o644 });
      chmodSync(path.join(board, "nvs.json"), 0o644);
      const options = parseMainJobOptions(
        ["--boards", "2", "--interval", "1", "--state", state, "--port", "0", "--etl-every", "60", "--train-every", "0", "--report-port", "0"],
        false,
      )!;
      const job = await MainJob.start(options, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await job.stop(5000);
      const files = readdirSync(state, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name));
      const secret = files.filter(holdsSecrets);
      const names = secret.map((file) => path.relative(state, file)).sort();
      for (const expected of ["ca/ca.key.pem", "things/aqm-sim-001/key.pem", "boards/aqm-sim-001/nvs.json", "boards/aqm-sim-002/nvs.json"])
        assert.ok(names.includes(expected), `${expected} in ${names.join(", ")}`);
      const wrong = secret.flatMap((file) => {
        const mode = statSync(file).mode & 0o777;
        const folder = statSync(path.dirname(file)).mode & 0o777;
        return mode === 0o600 && folder === 0o700 ? [] : [`${path.relative(state, file)} ${mode.toString(8)} in ${folder.toString(8)}`];
      });
      assert.deepEqual(wrong, []);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  },
);
