import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { describeViolations, findDisallowedImports, importsOf, readDeviceModuleList, sourceFiles } from "../../../../host-tools/field/build/FirmwareImports.ts";
import { hostImplementations } from "../../../../host-tools/board-sim/platform/DeviceSpecifiers.ts";

const allowList = readDeviceModuleList("firmware/device-modules.json");

test("firmware imports only its own modules and the written list of device modules", () => {
  const violations = findDisallowedImports("firmware", allowList);
  assert.deepEqual(violations, [], describeViolations(violations));
});

test("a Node built-in, an npm package or an escape from firmware/ is named with file, line and specifier", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-imports-"));
  try {
    const firmware = path.join(dir, "firmware");
    mkdirSync(path.join(firmware, "board"), { recursive: true });
    writeFileSync(path.join(firmware, "main.ts"), 'import Timer from "timer";\nimport { Board } from "./board/Board";\nimport fs from "fs";\n');
    writeFileSync(
      path.join(firmware, "board", "Board.ts"),
      'export class Board {}\nexport { x } from "node:crypto";\nconst p = import("mqtt");\nimport "../../host-tools/secret";\n',
    );
    const violations = findDisallowedImports(firmware, allowList);
    assert.deepEqual(
      violations.map((v) => `${path.basename(v.file)}:${v.line}:${v.specifier}`),
      ["Board.ts:2:node:crypto", "Board.ts:3:mqtt", "Board.ts:4:../../host-tools/secret", "main.ts:3:fs"],
    );
    assert.match(describeViolations(violations), /main\.ts:3 imports "fs", which the device does not provide/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("require() is caught as well as import", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-imports-"));
  try {
    writeFileSync(path.join(dir, "legacy.ts"), 'const fs = require("fs");\n');
    assert.deepEqual(
      findDisallowedImports(dir, allowList).map((v) => v.specifier),
      ["fs"],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every device module the firmware imports has a host implementation, and the host implements nothing off the list", () => {
  const allowed = new Set([...allowList.ecma419, ...allowList.moddable]);
  const used = new Set(
    sourceFiles("firmware")
      .flatMap((file) => importsOf(file).map((i) => i.specifier))
      .filter((s) => allowed.has(s)),
  );
  const missing = [...used].filter((specifier) => !(specifier in hostImplementations));
  assert.deepEqual(missing, [], `no host implementation for: ${missing.join(", ")}`);
  const offList = Object.keys(hostImplementations).filter((specifier) => !allowed.has(specifier));
  assert.deepEqual(offList, [], `host implements specifiers the device list does not have: ${offList.join(", ")}`);
  assert.ok(used.has("embedded:provider/builtin") && used.has("timer"), "the check saw the firmware's real imports");
});
