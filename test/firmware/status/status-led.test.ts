import assert from "node:assert/strict";
import { test } from "node:test";
import type { LedState } from "../../../firmware/status/LedPatterns";
import { StatusLed } from "../../../firmware/status/StatusLed";

function led() {
  const changes: LedState[] = [];
  const pin = { write: () => {} };
  const status = new StatusLed({ red: pin, green: pin, blue: pin, timer: { set: () => undefined, clear: () => {} }, onChange: (state) => changes.push(state) });
  return { status, changes };
}

test("a held state stays on the LED whatever the board reports meanwhile; on release the board's latest state comes back", () => {
  const { status, changes } = led();
  status.show("online");
  status.hold("firmware-update");
  status.show("sensor-fault");
  status.show("connecting");
  assert.equal(status.state, "firmware-update");
  status.release();
  assert.equal(status.state, "connecting");
  assert.deepEqual(changes, ["online", "firmware-update", "connecting"], "states reported during the hold are never shown");
  status.release();
  assert.deepEqual(changes.length, 3, "a second release changes nothing");
});
