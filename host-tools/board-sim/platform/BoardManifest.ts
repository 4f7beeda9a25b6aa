import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface ManifestFile {
  include?: string[];
  modules?: Record<string, string | string[]>;
  config?: Record<string, unknown>;
  creation?: Record<string, unknown>;
}

/** A Moddable manifest with the includes from this repository merged in (SDK includes, `$(…)`, are mcconfig's business). */
export interface ResolvedManifest {
  /** Module name → absolute path without extension, or a `dir/*` pattern. */
  readonly modules: readonly (readonly [string, string])[];
  /** Module name → the SDK file mcconfig builds it from (`$(MODDABLE)/…`), left as written. */
  readonly sdkModules: readonly (readonly [string, string])[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly creation?: Readonly<Record<string, unknown>>;
}

export function resolveManifest(file: string): ResolvedManifest {
  let manifest: ManifestFile;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as ManifestFile;
  } catch (error) {
    throw new Error(`manifest ${file}: ${(error as Error).message}`);
  }
  const modules: [string, string][] = [];
  const sdkModules: [string, string][] = [];
  let config: Record<string, unknown> = {};
  for (const include of manifest.include ?? []) {
    if (include.startsWith("$(")) continue;
    const inner = resolveManifest(path.resolve(path.dirname(file), include));
    modules.push(...inner.modules.map(([name, target]) => [name, target] as [string, string]));
    sdkModules.push(...inner.sdkModules.map(([name, target]) => [name, target] as [string, string]));
    config = { ...config, ...inner.config };
  }
  for (const [name, value] of Object.entries(manifest.modules ?? {})) {
    for (const target of Array.isArray(value) ? value : [value]) {
      if (target.startsWith("$(")) sdkModules.push([name, target]);
      else modules.push([name, path.resolve(path.dirname(file), target)]);
    }
  }
  return { modules, sdkModules, config: { ...config, ...manifest.config }, ...(manifest.creation ? { creation: manifest.creation } : {}) };
}

/** The manifest of the board the simulator stands in for. */
export const SIMULATED_BOARD_MANIFEST = fileURLToPath(new URL("../../../manifests/esp32-devkitc.json", import.meta.url));
