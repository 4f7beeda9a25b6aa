import { build, type BuildOptions, type Plugin } from "esbuild";
import { fileURLToPath } from "node:url";
import { hostImplementations } from "./DeviceSpecifiers.ts";

/** The global through which the host reaches the bundle's exports (`advance`, `board`, …). */
export const BUNDLE_GLOBAL = "aqmFirmware";

const entry = fileURLToPath(new URL("./portable/entry.ts", import.meta.url));

/** Resolves each device specifier the firmware imports to the host's implementation; anything else unknown is an error. */
const deviceSpecifiers: Plugin = {
  name: "aqm-device-specifiers",
  setup(builder) {
    builder.onResolve({ filter: /^(embedded:|[a-z][a-z0-9/-]*$)/ }, (args) => {
      const implementation = hostImplementations[args.path];
      if (implementation) return { path: implementation };
      if (args.path.startsWith("embedded:") || args.kind === "import-statement") {
        return {
          errors: [
            {
              text: `device module "${args.path}" (imported by ${args.importer}) has no host implementation in host-tools/board-sim/platform/DeviceSpecifiers.ts`,
            },
          ],
        };
      }
      return undefined;
    });
  },
};

const xsPortEntry = fileURLToPath(new URL("./portable/xs-port.ts", import.meta.url));

let cached: Promise<string> | undefined;
let cachedXsPort: Promise<string> | undefined;

async function bundle(input: Pick<BuildOptions, "entryPoints" | "stdin">, what: string, globalName: string | undefined): Promise<string> {
  const result = await build({
    ...input,
    bundle: true,
    write: false,
    format: "iife",
    // xsnap evaluates a script without making its top-level `var` a global, so the handle is put there explicitly.
    ...(globalName ? { globalName, footer: { js: `globalThis.${globalName} = ${globalName};` } } : {}),
    target: "es2022",
    platform: "neutral",
    logLevel: "silent",
    plugins: [deviceSpecifiers],
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no bundle for ${what}`);
  return output.text;
}

/**
 * Bundles firmware/main.ts with the host's device modules into one script, the form both a Node
 * `vm` context and the XS engine evaluate. The same text runs on both, so any difference in
 * what they produce is the engine's.
 */
export function firmwareBundle(): Promise<string> {
  cached ??= bundle({ entryPoints: [entry] }, entry, BUNDLE_GLOBAL);
  return cached;
}

/** The script that gives the XS engine its host port (through xsnap's issueCommand); evaluated before the firmware. */
export function xsPortBundle(): Promise<string> {
  cachedXsPort ??= bundle({ entryPoints: [xsPortEntry] }, xsPortEntry, undefined);
  return cachedXsPort;
}

/**
 * Some firmware modules alone, bundled as the firmware is, for running them on XS without the
 * board's host port: `source` re-exports what the script's `globalName` should hold, with paths
 * relative to `dir`.
 */
export function firmwareModulesBundle(source: string, dir: string, globalName: string): Promise<string> {
  return bundle({ stdin: { contents: source, resolveDir: dir, loader: "ts" } }, dir, globalName);
}
