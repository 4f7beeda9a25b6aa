import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// The repository's own shape: a newcomer finds a module's tests from its path, and host-tools
// stays a handful of wings instead of a flat list of folders.
const REPO = fileURLToPath(new URL("../", import.meta.url));
const SOURCE_ROOTS = ["firmware", "host-tools", "cloud", "manifests", "bench"];
const TEST_SUPPORT = ["fixtures"];

const entries = (dir: string) => readdirSync(path.join(REPO, dir), { withFileTypes: true }).filter((entry) => entry.name !== "__pycache__");
const isDir = (relative: string) => statSync(path.join(REPO, relative), { throwIfNoEntry: false })?.isDirectory() === true;

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !entry.parentPath.includes("__pycache__"))
    .map((entry) => path.relative(REPO, path.join(entry.parentPath, entry.name)));
}

test("host-tools has at most seven wings, and no folder in it holds a single file and nothing else", () => {
  const wings = entries("host-tools").filter((entry) => entry.isDirectory());
  assert.ok(wings.length <= 7, `host-tools has ${wings.length} top-level folders: ${wings.map((w) => w.name).join(", ")}`);
  assert.deepEqual(
    entries("host-tools")
      .filter((entry) => !entry.isDirectory())
      .map((entry) => entry.name),
    [],
    "host-tools holds only its wings",
  );
  const lonely = [...new Set(filesUnder("host-tools").map((file) => path.dirname(file)))].filter((dir) => {
    const inside = entries(dir);
    return inside.length === 1 && inside[0]!.isFile();
  });
  assert.deepEqual(lonely, [], "folders holding one file: fold it into its neighbour");
});

test("every test file (TypeScript and pytest alike) sits under test/ at the path of the source folder it tests", () => {
  const misplaced = filesUnder("test")
    .filter((file) => (file.endsWith(".ts") || file.endsWith(".py")) && path.dirname(file) !== "test")
    .map((file) => path.dirname(path.relative("test", file)))
    .filter((dir) => !TEST_SUPPORT.includes(dir.split(path.sep)[0]!))
    .filter((dir) => !SOURCE_ROOTS.includes(dir.split(path.sep)[0]!) || !isDir(dir));
  assert.deepEqual([...new Set(misplaced)], [], "test folders with no source folder of the same path");
});

test("the test tree's own top level is only the mirrors of the source roots and the shared fixtures", () => {
  const folders = entries("test")
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  assert.deepEqual(
    folders.filter((name) => !SOURCE_ROOTS.includes(name) && !TEST_SUPPORT.includes(name)),
    [],
  );
});
