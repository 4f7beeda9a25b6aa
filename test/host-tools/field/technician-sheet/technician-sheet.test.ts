import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { eventCodes } from "../../../../firmware/log/EventCodes";
import { FAULT_MEANINGS } from "../../../../firmware/sampling/FaultCode";
import { ledPatterns } from "../../../../firmware/status/LedPatterns";
import { technicianSheet } from "../../../../host-tools/field/technician-sheet/TechnicianSheet.ts";

test("docs/technician-sheet.md is what the firmware's tables say (run `npm run docs` after changing them)", () => {
  assert.equal(readFileSync("docs/technician-sheet.md", "utf8"), technicianSheet());
});

test("the sheet lists every LED state, every log code and every channel fault code", () => {
  const sheet = technicianSheet();
  for (const code of Object.keys(FAULT_MEANINGS)) assert.ok(sheet.includes(`| \`${code}\` |`), code);
  for (const state of Object.keys(ledPatterns)) assert.ok(sheet.includes(`\`${state}\``), state);
  for (const code of Object.keys(eventCodes)) assert.ok(sheet.includes(`| ${code} |`), code);
});

test("every LED state has a rhythm of its own, so a colour-blind technician or a single-colour LED still tells them apart", () => {
  const rhythms = Object.entries(ledPatterns).map(([state, p]) => [state, p.rhythm.join(",")] as const);
  const seen = new Map<string, string>();
  for (const [state, rhythm] of rhythms) {
    assert.equal(seen.get(rhythm), undefined, `${state} blinks like ${seen.get(rhythm)}`);
    seen.set(rhythm, state);
  }
  const looks = Object.values(ledPatterns).map((p) => p.looks);
  assert.equal(new Set(looks).size, looks.length, "and the sheet describes each one differently");
});
