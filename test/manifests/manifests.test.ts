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

test("the SDK modules the manifest maps by file are the ESP32 OTA module and the SDK's ECMA-419 MQTT client", () => {
  assert.deepEqual(board.sdkModules, [
    ["esp32/ota", "$(MODDABLE)/build/devices/esp32/modules/ota/ota"],
    ["embedded:network/mqtt/client", "$(MODDABLE)/examples/io/tcp/mqttclient/mqttclient"],
  ]);
});

test("point 5: every device module the firmware may import is brought into the image by an SDK include or module file of the manifest", () => {
  const list = JSON.parse(readFileSync("firmware/device-modules.json", "utf8")) as { ecma419: string[]; moddable: string[]; sdk: Record<string, string> };
  const app = JSON.parse(readFileSync("manifests/app.json", "utf8")) as { include: string[] };
  const brought = new Set([...app.include, ...board.sdkModules.map(([, file]) => file), "mcconfig"]);
  const missing = [...list.ecma419, ...list.moddable].filter((specifier) => !brought.has(list.sdk[specifier] ?? "(no SDK source named)"));
  assert.deepEqual(missing, [], "device modules with no SDK source in the manifest (firmware/device-modules.json names each one's)");
  assert.ok(
    list.sdk.wifi === "$(MODDABLE)/modules/network/wifi/manifest.json",
    "the legacy wifi module needs its own manifest since SDK 8.2 (manifest_net brings only ECMA-419 Wi-Fi)",
  );
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
