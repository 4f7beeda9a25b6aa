import { readdirSync } from "node:fs";
import path from "node:path";
import { importsOf } from "./FirmwareImports.ts";

/**
 * `aqm build --check`: what the Moddable SDK's generated makefile does before ESP-IDF, read from
 * what it prints. mcconfig writes the makefile; its XS stage compiles each TypeScript module with
 * tsc ("# tsc X.ts"), each JavaScript module with xsc ("# xsc X.xsb"), and links them with xsl
 * ("# xsl modules", then "### N instances, N keys, …"), writing mc.xs.c. Only then does the
 * ESP-IDF build start.
 */

export type XsStage = "mcconfig" | "tsc" | "xsc" | "xsl";

export interface XsStageReport {
  /** The last stage that started. */
  readonly reached: XsStage;
  /** The link's summary line, once xsl finished. */
  readonly linked?: string;
  /** Whether the last stage failed, with the lines that say why. */
  readonly failure?: readonly string[];
}

const FAILURE_LINE = /error|failure|### Error|cannot|undefined|No such file/i;
/** What the makefile's ESP-IDF version probe says about a placeholder IDF_PATH (xsStageArgs). */
const PLACEHOLDER_NOISE = /^fatal: not a git repository/;

/** Reads the makefile's output: which stage it reached, and if `status` is not 0, why it stopped. */
export function readXsStage(output: string, status: number): XsStageReport {
  let reached: XsStage = "mcconfig";
  let linked: string | undefined;
  for (const line of output.split("\n")) {
    if (line.startsWith("# tsc ") && reached === "mcconfig") reached = "tsc";
    else if (line.startsWith("# xsc ") && (reached === "mcconfig" || reached === "tsc")) reached = "xsc";
    else if (line.startsWith("# xsl ")) reached = "xsl";
    else if (/^### \d+ instances/.test(line)) linked = line.slice(4).trim();
  }
  if (status === 0 && linked !== undefined) return { reached, linked };
  const lines = output.split("\n").filter((line) => !PLACEHOLDER_NOISE.test(line));
  // make runs tsc and xsc file by file, interleaved: a TypeScript error is tsc's, whatever started last.
  if (lines.some((line) => /error TS\d+|# typescript compile failure/.test(line))) reached = "tsc";
  const said = lines.filter((line) => FAILURE_LINE.test(line) && !line.startsWith("# "));
  return {
    reached,
    ...(linked === undefined ? {} : { linked }),
    failure: (said.length > 0 ? said : lines.filter((l) => l.trim() !== "").slice(-10)).slice(0, 20),
  };
}

/** The module names in xsl's output (mc.xs.c's table of scripts): what the image holds. */
export function linkedModules(mcXsC: string): Set<string> {
  const table = mcXsC.indexOf("gxScripts[mxScriptsCount] = {");
  const names = new Set<string>();
  if (table < 0) return names;
  const end = mcXsC.indexOf("};", table);
  for (const match of mcXsC.slice(table, end).matchAll(/, 0, "([^"]+)", \{ XS_MAJOR_VERSION/g)) names.add(match[1]!);
  return names;
}

/**
 * Every module the image must hold for main.ts to run: main.ts and the firmware modules it
 * imports, as the manifest names them (their path under firmware/, without .ts), and every device
 * module any of them imports.
 */
export function modulesMainNeeds(firmwareDir: string): Set<string> {
  const root = path.resolve(firmwareDir);
  const needed = new Set<string>();
  const pending = [path.join(root, "main.ts")];
  const seen = new Set<string>();
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    needed.add(path.relative(root, file).replace(/\.ts$/, "").split(path.sep).join("/"));
    for (const { specifier } of importsOf(file)) {
      if (specifier.startsWith("./") || specifier.startsWith("../")) pending.push(`${path.resolve(path.dirname(file), specifier)}.ts`);
      else needed.add(specifier);
    }
  }
  return needed;
}

/** The makefile mcconfig wrote under its output folder (tmp/esp32/<debug|release>/<manifest folder>/makefile). */
export function findMakefile(outputDir: string): string | undefined {
  const found = readdirSync(outputDir, { recursive: true, withFileTypes: true }).find((entry) => entry.isFile() && entry.name === "makefile");
  return found && path.join(found.parentPath, found.name);
}

/**
 * make's arguments for the XS stage alone: the link's output, mc.xs.c, with the ESP-IDF config
 * header it depends on taken as made (-o), so nothing of ESP-IDF runs. The makefile insists on
 * IDF_PATH and an IDF version at parse time; without ESP-IDF they are given as placeholders.
 */
export function xsStageArgs(makefile: string, idfPath: string | undefined): string[] {
  const dir = path.dirname(makefile);
  return [
    "-C",
    dir,
    "-f",
    makefile,
    // A folder that exists, so the version probe's cd works; the version itself is given.
    `IDF_PATH=${idfPath ?? dir}`,
    ...(idfPath ? [] : ["IDF_VERSION=none"]),
    "-o",
    path.join(dir, "xsProj-esp32", "build", "config", "sdkconfig.h"),
    path.join(dir, "mc.xs.c"),
  ];
}
