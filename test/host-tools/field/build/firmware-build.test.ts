import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { boardManifests, planBuild } from "../../../../host-tools/field/build/FirmwareBuild.ts";

const MANIFESTS = path.resolve("manifests");

function fakeSdk(): { root: string; log: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), "aqm-moddable-"));
  const bin = path.join(root, "build", "bin", "lin", "release");
  mkdirSync(bin, { recursive: true });
  const log = path.join(root, "calls.log");
  // Stands in for mcconfig: records where and how it was called.
  writeFileSync(path.join(bin, "mcconfig"), `#!/bin/sh\necho "$PWD $*" >> ${JSON.stringify(log)}\n`);
  chmodSync(path.join(bin, "mcconfig"), 0o755);
  return { root, log };
}

test("the board manifests are the ones beside app.json", () => {
  assert.deepEqual(boardManifests(MANIFESTS), ["esp32-devkitc"]);
});

test("with nothing installed, every missing piece is named with what to do; a bad board or setting is named too", () => {
  const plan = planBuild({ board: "esp32-s9", settings: ["thing"], flash: false, debug: true }, {}, MANIFESTS, "linux");
  assert.ok("missing" in plan);
  const text = plan.missing.join("\n");
  assert.match(text, /board "esp32-s9": no manifests\/esp32-s9\.json \(boards: esp32-devkitc\)/);
  assert.match(text, /setting "thing": expected key=value/);
  assert.match(text, /MODDABLE is not set: install the Moddable SDK/);
  assert.doesNotMatch(text, /IDF_PATH/, "without ESP-IDF the build can still be checked through the XS link");
  const flashing = planBuild({ board: "esp32-devkitc", settings: [], flash: true, debug: true }, {}, MANIFESTS, "linux");
  assert.ok("missing" in flashing && flashing.missing.some((m) => /IDF_PATH is not set.*flashing needs a full image/.test(m)));
});

test("point 11: without --flash the image is built (mcconfig -m -t build), not just a makefile written; without ESP-IDF or with --check it is checked", () => {
  const { root } = fakeSdk();
  try {
    const env = { MODDABLE: root, IDF_PATH: "/opt/esp-idf" };
    const image = planBuild({ board: "esp32-devkitc", settings: ["thing=lab-01"], flash: false, debug: true }, env, MANIFESTS, "linux");
    assert.ok("kind" in image && image.kind === "image");
    assert.deepEqual(image.args, ["-d", "-m", "-t", "build", "-p", "esp32", "esp32-devkitc.json", "thing=lab-01"]);
    const checked = planBuild({ board: "esp32-devkitc", settings: [], flash: false, debug: true, check: true }, env, MANIFESTS, "linux", "/tmp/out");
    assert.ok("kind" in checked && checked.kind === "check");
    assert.deepEqual(checked.args, ["-d", "-p", "esp32", "-o", "/tmp/out", "esp32-devkitc.json"]);
    assert.equal(checked.idfPath, "/opt/esp-idf");
    const noIdf = planBuild({ board: "esp32-devkitc", settings: [], flash: false, debug: true }, { MODDABLE: root }, MANIFESTS, "linux", "/tmp/out");
    assert.ok("kind" in noIdf && noIdf.kind === "check" && /IDF_PATH is not set/.test(noIdf.idfMissing ?? ""));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("with the SDK's tools present, mcconfig runs in manifests/ on the board manifest with the settings, -m only when flashing", () => {
  const { root } = fakeSdk();
  try {
    const plan = planBuild(
      { board: "esp32-devkitc", settings: ["thing=lab-01", "endpoint=x.example"], flash: true, debug: false },
      { MODDABLE: root, IDF_PATH: "/opt/esp-idf" },
      MANIFESTS,
      "linux",
    );
    assert.ok("command" in plan);
    assert.equal(plan.command, path.join(root, "build/bin/lin/release/mcconfig"));
    assert.ok("kind" in plan && plan.kind === "image");
    assert.deepEqual(plan.args, ["-m", "-p", "esp32", "esp32-devkitc.json", "thing=lab-01", "endpoint=x.example"]);
    assert.equal(plan.cwd, MANIFESTS);
    const missingTools = planBuild(
      { board: "esp32-devkitc", settings: [], flash: false, debug: true },
      { MODDABLE: path.join(root, "nowhere"), IDF_PATH: "/x" },
      MANIFESTS,
      "linux",
    );
    assert.ok("missing" in missingTools && /build the SDK's host tools first/.test(missingTools.missing[0]!));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("aqm build exits 3 naming what is missing, and runs mcconfig when it is there", () => {
  const aqm = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", "build", ...args], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, ...env },
    });
  const bare = aqm(["thing=lab-01"], {});
  assert.equal(bare.status, 3);
  assert.match(bare.stderr, /aqm build cannot run here:\n {2}- MODDABLE is not set/);
  const { root, log } = fakeSdk();
  try {
    const built = aqm(["thing=lab-01"], { MODDABLE: root, IDF_PATH: "/opt/esp-idf" });
    assert.equal(built.status, 0, built.stderr);
    assert.equal(readFileSync(log, "utf8").trim(), `${MANIFESTS} -d -m -t build -p esp32 esp32-devkitc.json thing=lab-01`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("aqm build's bad usage exits 2 naming the option, before it looks for the SDK", () => {
  const usageError = (args: string[], reason: RegExp) => {
    // No MODDABLE: a usage error must come before the check that would exit 3.
    const run = spawnSync(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", "build", ...args], {
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });
    assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr.split("\n")[0]!, reason, args.join(" "));
    assert.match(run.stderr, /\n {2}aqm build \[--board NAME\]/, "the usage follows");
  };
  usageError(["--flsh"], /^aqm: unknown option --flsh for aqm build$/);
  usageError(["--check", "--flash"], /^aqm: --check stops before ESP-IDF, so it cannot --flash$/);
  usageError(["--board"], /^aqm: --board needs a manifest name, e\.g\. esp32-devkitc$/);
});
