import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export interface ImportViolation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

export interface DeviceModuleList {
  readonly ecma419: readonly string[];
  readonly moddable: readonly string[];
}

export function readDeviceModuleList(file: string): DeviceModuleList {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<DeviceModuleList>;
  if (!Array.isArray(parsed.ecma419) || !Array.isArray(parsed.moddable))
    throw new Error(`${file}: expected "ecma419" and "moddable" arrays of module specifiers`);
  return { ecma419: parsed.ecma419, moddable: parsed.moddable };
}

/** Every .ts file under `dir` (declaration files included: they can import too). */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Every module specifier a file imports, re-exports, imports dynamically or requires, with its line. */
export function importsOf(file: string): { specifier: string; line: number }[] {
  const text = readFileSync(file, "utf8");
  const info = ts.preProcessFile(text, true, true);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  // With JavaScript detection on, TypeScript's pre-processor also reports require() calls.
  return info.importedFiles.map((ref) => ({ specifier: ref.fileName, line: source.getLineAndCharacterOfPosition(ref.pos).line + 1 }));
}

/**
 * The imports in `firmwareDir` that the device cannot satisfy: anything that is neither a
 * relative path inside the firmware nor on the written list of device module specifiers.
 */
export function findDisallowedImports(firmwareDir: string, allowed: DeviceModuleList): ImportViolation[] {
  const allowedSet = new Set([...allowed.ecma419, ...allowed.moddable]);
  const root = path.resolve(firmwareDir);
  const violations: ImportViolation[] = [];
  for (const file of sourceFiles(root)) {
    for (const { specifier, line } of importsOf(file)) {
      const relative = specifier.startsWith("./") || specifier.startsWith("../");
      const insideFirmware = relative && path.resolve(path.dirname(file), specifier).startsWith(root + path.sep);
      if (insideFirmware || allowedSet.has(specifier)) continue;
      violations.push({ file: path.relative(process.cwd(), file), line, specifier });
    }
  }
  return violations;
}

export function describeViolations(violations: readonly ImportViolation[]): string {
  return violations.map((v) => `${v.file}:${v.line} imports "${v.specifier}", which the device does not provide (see firmware/device-modules.json)`).join("\n");
}
