import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { CHANNELS } from "../../../firmware/telemetry/Channels";

test("docs/telemetry-schema.md lists each channel's range as CHANNELS holds it", () => {
  const doc = readFileSync(new URL("../../../docs/telemetry-schema.md", import.meta.url), "utf8");
  const section = doc.slice(doc.indexOf("## Ranges"), doc.indexOf("Example:"));
  const rows = [...section.matchAll(/^\| `([a-z0-9_]+)` +\| (-?\d+) +\| (-?\d+) +\|/gm)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
  assert.deepEqual(
    rows,
    CHANNELS.map((c) => [c.name, c.min, c.max]),
  );
});
