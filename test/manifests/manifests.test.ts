import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseBoardConfig } from "../../firmware/board/BoardConfig";
import { sourceFiles } from "../../host-tools/field/build/FirmwareImports.ts";
import { resolveManifest } from "../../host-tools/board-sim/platform/BoardManifest.ts";

/** The module files a manifest entry stands for: `dir/*` is every .ts in dir, as mcconfig expands it. */
function expand(target: string): string[] {
  if (target.endsWith("/*")) {
    const dir = target.slice(0, -2);
    return existsSync(dir) ? sourceFiles(dir).filter((f) => path.dirname(f) === dir && !f.endsWith(".d.ts")) : [];
  }
  return [`${target}.ts`];
}

const board = resolveManifest("manifests/esp32-devkitc.json");

test("every module the manifests list exists", () => {
  for (const [name, target] of board.modules) {
    const files = expand(target);
    assert.ok(files.length > 0 && files.every((f) => existsSync(f)), `manifest module "${name}" → ${path.relative(".", target)} matches no firmware file`);
  }
});

test("every firmware module is listed in the manifests", () => {
  const listed = new Set(board.modules.flatMap(([, target]) => expand(target)));
  const unlisted = sourceFiles(path.resolve("firmware")).filter((f) => !f.endsWith(".d.ts") && !listed.has(f));
  assert.deepEqual(
    unlisted.map((f) => path.relative(".", f)),
    [],
  );
});

test("the firmware's OTA module is built from the Moddable SDK's ESP32 OTA module", () => {
  assert.deepEqual(board.sdkModules, [["esp32/ota", "$(MODDABLE)/build/devices/esp32/modules/ota/ota"]]);
  const allowList = JSON.parse(readFileSync("firmware/device-modules.json", "utf8")) as { moddable: string[] };
  assert.ok(allowList.moddable.includes("esp32/ota"));
});

test("the board manifest's config is a valid board config, with the settings the firmware checks at boot", () => {
  const settings = parseBoardConfig(board.config);
  assert.equal(settings.port, 8883);
  assert.ok(settings.keepAliveMs <= 1_200_000, "IoT Core's keep-alive limit is 1,200 s");
  assert.deepEqual(settings.led, { red: 25, green: 26, blue: 27 });
});

test("the board manifest sets the creation sizes a TLS handshake needs (10 KB chunk heap, 6 KB slot heap)", () => {
  const creation = board.creation as { chunk: { initial: number }; heap: { initial: number } };
  assert.ok(creation.chunk.initial >= 10 * 1024);
  assert.ok(creation.heap.initial * 16 >= 6 * 1024, "ESP32 XS slots are 16 bytes");
});
