import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Plans `aqm build`: Moddable's `mcconfig` on a board manifest, with the settings a user passes
 * as `key=value` overrides of the manifest's config. What is missing on this machine (the SDK,
 * its build tools, ESP-IDF) is named with what to do, instead of failing inside a toolchain.
 */

export interface BuildOptions {
  /** A manifest under manifests/, without `.json`. */
  readonly board: string;
  /** `key=value` settings for the manifest's config, e.g. thing=…, endpoint=…. */
  readonly settings: readonly string[];
  /** Flash over USB after building (mcconfig's `all` target). */
  readonly flash: boolean;
  readonly debug: boolean;
  /** Stop at the XS link (tsc, xsc, xsl), before ESP-IDF: what `--check` asks, and all a machine without ESP-IDF can do. */
  readonly check?: boolean;
}

/**
 * What `aqm build` runs. `image`: mcconfig builds (`-m -t build`) or builds and flashes (`-m`,
 * the makefile's default target) through ESP-IDF. `check`: mcconfig only writes the makefile into
 * `outputDir` (without `-m` it builds nothing, the SDK's documentation/tools/tools.md), then the
 * makefile's XS stage runs alone; `idfMissing` says why it stops there when it was not asked to.
 */
export type BuildPlan =
  | { readonly kind: "image"; readonly command: string; readonly args: readonly string[]; readonly cwd: string }
  | {
      readonly kind: "check";
      readonly command: string;
      readonly args: readonly string[];
      readonly cwd: string;
      readonly outputDir: string;
      readonly idfPath?: string;
      readonly idfMissing?: string;
    }
  | { readonly missing: readonly string[] };

/** Moddable builds its tools per host platform under build/bin/<platform>/release. */
const HOST_PLATFORM: Readonly<Record<string, string>> = { linux: "lin", darwin: "mac", win32: "win" };
const SETTING = /^[A-Za-z][A-Za-z0-9_.]*=.*$/;
const IDF_MISSING = "IDF_PATH is not set: install ESP-IDF as Moddable's ESP32 guide says and source its export.sh";

export function boardManifests(manifestDir: string): string[] {
  return readdirSync(manifestDir)
    .filter((file) => file.endsWith(".json") && file !== "app.json")
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

export function planBuild(
  options: BuildOptions,
  env: NodeJS.ProcessEnv,
  manifestDir: string,
  platform: NodeJS.Platform = process.platform,
  outputDir = path.join(os.tmpdir(), `aqm-build-check-${options.board}`),
): BuildPlan {
  const missing: string[] = [];
  const boards = boardManifests(manifestDir);
  if (!boards.includes(options.board)) missing.push(`board "${options.board}": no manifests/${options.board}.json (boards: ${boards.join(", ")})`);
  for (const setting of options.settings) {
    if (!SETTING.test(setting)) missing.push(`setting "${setting}": expected key=value, e.g. thing=my-board-01`);
  }
  const moddable = env.MODDABLE;
  let mcconfig: string | undefined;
  if (!moddable)
    missing.push(
      "MODDABLE is not set: install the Moddable SDK (https://github.com/Moddable-OpenSource/moddable, Getting Started) and export MODDABLE=<its checkout>",
    );
  else {
    mcconfig = path.join(moddable, "build", "bin", HOST_PLATFORM[platform] ?? platform, "release", platform === "win32" ? "mcconfig.exe" : "mcconfig");
    if (!existsSync(mcconfig)) missing.push(`${mcconfig} does not exist: build the SDK's host tools first (Moddable Getting Started, "build the tools")`);
  }
  const idfPath = env.IDF_PATH || undefined;
  if (options.flash && !idfPath) missing.push(`${IDF_MISSING} (flashing needs a full image)`);
  if (missing.length > 0) return { missing };
  const debug = options.debug ? ["-d"] : [];
  const target = [...options.settings];
  if (options.check || !idfPath)
    return {
      kind: "check",
      command: mcconfig!,
      args: [...debug, "-p", "esp32", "-o", outputDir, `${options.board}.json`, ...target],
      cwd: manifestDir,
      outputDir,
      ...(idfPath ? { idfPath } : { idfMissing: IDF_MISSING }),
    };
  return {
    kind: "image",
    command: mcconfig!,
    args: [...debug, "-m", ...(options.flash ? [] : ["-t", "build"]), "-p", "esp32", `${options.board}.json`, ...target],
    cwd: manifestDir,
  };
}
