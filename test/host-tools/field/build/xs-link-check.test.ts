import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { linkedModules, modulesMainNeeds, readXsStage } from "../../../../host-tools/field/build/XsLinkCheck.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "aqm-xs-check-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** mc.xs.c's table of scripts as xsl writes it (one entry per linked module). */
function scriptTable(names: readonly string[]): string {
  const rows = names.map(
    (name, i) => `\t{ NULL, NULL, 0, (txS1*)gxCode${i}, 10, NULL, 0, "${name}", { XS_MAJOR_VERSION, XS_MINOR_VERSION, XS_PATCH_VERSION, 0 } },`,
  );
  return `static const txScript gxScripts[mxScriptsCount] = {\n${rows.join("\n")}\n};\n`;
}

const needed = [...modulesMainNeeds("firmware")];

test("main.ts needs itself, its firmware modules by manifest name, and the SDK's device modules it and they import", () => {
  for (const name of ["main", "session/MqttSession", "network/MqttsNetwork", "wifi", "esp32/ota", "embedded:network/mqtt/client", "embedded:io/socket/tcp/tls"])
    assert.ok(needed.includes(name), name);
  assert.ok(!needed.some((name) => name.startsWith(".")), "relative paths are resolved to module names");
});

test("the module table is read from xsl's mc.xs.c; the stage reached and why it stopped from the makefile's output", () => {
  assert.deepEqual([...linkedModules(scriptTable(["main", "embedded:io/i2c"]))], ["main", "embedded:io/i2c"]);
  assert.deepEqual(readXsStage("# tsc main.ts\n# xsc main.xsb\n# xsl modules\n### 476 instances, 2083 keys, 68 colors, 0 holes\n", 0), {
    reached: "xsl",
    linked: "476 instances, 2083 keys, 68 colors, 0 holes",
  });
  const tsc = readXsStage(
    "# tsc main.ts\nmain.ts(7,18): error TS7016: Could not find a declaration file for module 'esp32/ota'.\n# typescript compile failure\n",
    2,
  );
  assert.equal(tsc.reached, "tsc");
  assert.match(tsc.failure!.join("\n"), /TS7016/);
  assert.equal(readXsStage("### Error: No such file or directory\n", 1).reached, "mcconfig");
});

/**
 * A stand-in SDK: mcconfig writes a makefile under -o as the real one does; `make` on PATH prints
 * the XS stage's lines and writes mc.xs.c with the given modules, or fails in tsc.
 */
function fakeSdk(linked: readonly string[] | "tsc-fails"): { env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(path.join(scratch, "sdk-"));
  const bin = path.join(root, "build", "bin", "lin", "release");
  const tools = path.join(root, "tools");
  mkdirSync(bin, { recursive: true });
  mkdirSync(tools);
  writeFileSync(
    path.join(bin, "mcconfig"),
    `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = "-o" ] && out="$2"; shift; done\nmkdir -p "$out/tmp/esp32/debug/manifests" && echo "all:" > "$out/tmp/esp32/debug/manifests/makefile"\n`,
  );
  const table = path.join(root, "mc.xs.c");
  if (linked !== "tsc-fails") writeFileSync(table, scriptTable(linked));
  writeFileSync(
    path.join(tools, "make"),
    linked === "tsc-fails"
      ? `#!/bin/sh\necho "# tsc main.ts"\necho "main.ts(3,1): error TS2307: Cannot find module 'wifi'"\necho "# typescript compile failure"\nexit 2\n`
      : `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = "-C" ] && dir="$2"; shift; done\necho "# tsc main.ts"\necho "# xsc main.xsb"\necho "# xsl modules"\necho "### 476 instances, 2083 keys, 68 colors, 0 holes"\ncp ${JSON.stringify(table)} "$dir/mc.xs.c"\n`,
  );
  chmodSync(path.join(bin, "mcconfig"), 0o755);
  chmodSync(path.join(tools, "make"), 0o755);
  return { env: { MODDABLE: root, PATH: `${tools}:${process.env.PATH}`, TMPDIR: root } };
}

function aqmBuild(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ["--import", "tsx", "host-tools/field/cli/aqm.ts", "build", ...args], { encoding: "utf8", env });
}

test("aqm build --check reports each stage it reached, the link's summary, and that every module main.ts needs is in the image", () => {
  const run = aqmBuild(["--check"], { ...fakeSdk(needed).env, IDF_PATH: "/opt/esp-idf" });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /mcconfig +ok/);
  assert.match(run.stdout, /xsl +ok +476 instances, 2083 keys, 68 colors, 0 holes/);
  assert.match(run.stdout, new RegExp(`modules +ok +all ${needed.length} modules main.ts needs are in the image`));
});

test("without ESP-IDF, aqm build checks through the XS link and exits 3 saying the full image needs ESP-IDF", () => {
  const run = aqmBuild([], fakeSdk(needed).env);
  assert.equal(run.status, 3, run.stderr);
  assert.match(run.stdout, /ESP-IDF +missing +the build stops at the XS link/);
  assert.match(run.stderr, /the firmware links; a full image needs ESP-IDF: IDF_PATH is not set/);
});

test("a link that returns 0 but leaves out a module main.ts imports fails, naming the module", () => {
  const run = aqmBuild(["--check"], fakeSdk(needed.filter((name) => name !== "wifi")).env);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /modules +failed +1 of the \d+ modules main.ts needs are not in the image/);
  assert.match(run.stderr, /not in the linked image .*: wifi; firmware\/device-modules.json says which SDK manifest brings each/);
});

test("a TypeScript error stops the check at tsc, with the compiler's line", () => {
  const run = aqmBuild(["--check"], fakeSdk("tsc-fails").env);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /tsc +failed/);
  assert.match(run.stderr, /the XS stage stopped at tsc:\n {2}main.ts\(3,1\): error TS2307/);
});

test("a TypeScript error is tsc's even when make had started xsc on other files", () => {
  const report = readXsStage(
    "# tsc a.ts\n# xsc b.xsb\nmain.ts(3,23): error TS7016: Could not find a declaration file\nfatal: not a git repository (or any parent up to mount point /)\n",
    2,
  );
  assert.equal(report.reached, "tsc");
  assert.deepEqual(report.failure, ["main.ts(3,23): error TS7016: Could not find a declaration file"]);
});
