import assert from "node:assert/strict";
import { test } from "node:test";
import { checkThingName } from "../../../firmware/session/ThingName.ts";

test("AWS IoT's thing names pass: 1 to 128 letters, digits, ':', '_' and '-'", () => {
  for (const name of ["a", "aqm-sim-001", "Site_4:room-2", "x".repeat(128)]) assert.doesNotThrow(() => checkThingName(name), name);
});

test("anything else is refused with one message naming the value and the rule", () => {
  for (const name of ["", "x".repeat(129), "../escape", "bad name", "a/b", "a+b", "a#"]) {
    assert.throws(() => checkThingName(name), { message: `invalid thing name "${name}": use 1 to 128 letters, digits, ':', '_' or '-'` }, JSON.stringify(name));
  }
});
