import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { firehoseKey, LocalFirehose, RecordRejected } from "../../host-tools/iot-core/LocalFirehose.ts";

function objects(lake: string): string[] {
  return readdirSync(lake, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(lake, path.join(entry.parentPath, entry.name)))
    .sort();
}

test("object keys follow Firehose's layout: prefix, UTC YYYY/MM/DD/HH/, stream-version-timestamp-uuid", () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);
  assert.equal(firehoseKey("raw/", "aqm-telemetry", at, "0b5a"), "raw/2026/01/02/03/aqm-telemetry-1-2026-01-02-03-04-05-0b5a");
});

test("records become newline-delimited JSON objects, flushed by size, and close writes out the rest", async () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-lake-"));
  try {
    const firehose = new LocalFirehose({ lakeDir: lake, bufferBytes: 40, bufferMs: 60_000, now: () => Date.UTC(2026, 10, 22, 23, 59, 59) });
    firehose.put('{"seq":1,"pad":"xxxxxxxx"}');
    firehose.put(new TextEncoder().encode('{"seq":2,"pad":"xxxxxxxx"}'));
    firehose.put('{"seq":3}');
    await firehose.close();
    const keys = objects(lake);
    assert.equal(keys.length, 2, "one object when the size hint was passed, one at close");
    for (const key of keys) assert.match(key, /^raw\/2026\/11\/22\/23\/aqm-telemetry-1-2026-11-22-23-59-59-[0-9a-f-]{36}$/);
    const lines = keys.flatMap((key) => readFileSync(path.join(lake, key), "utf8").split("\n").filter(Boolean));
    assert.deepEqual(lines.map((line) => (JSON.parse(line) as { seq: number }).seq).sort(), [1, 2, 3]);
    assert.equal(firehose.recordsWritten, 3);
    assert.equal(firehose.objectsWritten, 2);
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});

test("records are flushed when the oldest has waited the buffering interval", async () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-lake-"));
  try {
    const firehose = new LocalFirehose({ lakeDir: lake, bufferMs: 30 });
    firehose.put('{"seq":1}');
    assert.equal(objects(lake).length, 0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await firehose.flush();
    assert.equal(objects(lake).length, 1);
    await firehose.close();
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});

test("a record that is not one line of JSON is refused with the reason and counted; the others are kept", async () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-lake-"));
  try {
    const firehose = new LocalFirehose({ lakeDir: lake });
    assert.throws(() => firehose.put('{"seq":1'), (e) => e instanceof RecordRejected && /not valid JSON/.test(e.message) && /\{\\"seq\\":1/.test(e.message));
    assert.throws(() => firehose.put('{"a":1}\n{"b":2}'), /contains a newline/);
    firehose.put('{"seq":2}');
    await firehose.close();
    assert.equal(firehose.rejected, 2);
    assert.equal(firehose.recordsWritten, 1);
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});
