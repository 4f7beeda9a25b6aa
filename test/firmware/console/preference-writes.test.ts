import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConsolePreferences, StoredValue } from "../../../firmware/console/ConsolePreferences";
import { SerialConsole } from "../../../firmware/console/SerialConsole";

/** Preferences that refuse the n-th write, as a full or worn NVS partition does. */
function failingPreferences(failAt: number): ConsolePreferences & { readonly entries: Map<string, StoredValue> } {
  const entries = new Map<string, StoredValue>();
  let writes = 0;
  return {
    entries,
    get: (domain, key) => entries.get(`${domain}/${key}`),
    set: (domain, key, value) => {
      if (++writes === failAt) throw new Error("ESP_ERR_NVS_NOT_ENOUGH_SPACE");
      entries.set(`${domain}/${key}`, value);
    },
    delete: (domain, key) => void entries.delete(`${domain}/${key}`),
  };
}

function consoleOn(preferences: ConsolePreferences): { send(line: string): void; replies: string[] } {
  const replies: string[] = [];
  const board = new SerialConsole({
    write: (text) => replies.push(text.trimEnd()),
    log: { event() {} },
    preferences,
    timer: { set: () => 0, clear: () => {} },
    versions: { firmware: "test" },
  });
  return { send: (line) => board.receive(new TextEncoder().encode(`${line}\n`)), replies };
}

test("when NVS refuses the second of two writes, the first is put back: a refused wifi command changes nothing", () => {
  const preferences = failingPreferences(4);
  const board = consoleOn(preferences);
  board.send("wifi old-net oldpassword");
  const before = JSON.stringify([...preferences.entries]);
  board.send("wifi new-net newpassword");
  assert.equal(board.replies.at(-1), "ERR storage preferences refused the write (ESP_ERR_NVS_NOT_ENOUGH_SPACE); nothing was changed");
  assert.equal(JSON.stringify([...preferences.entries]), before);
});
