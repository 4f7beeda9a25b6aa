import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { RAW_PREFIX } from "../../../../cloud/lib/lakePrefixes.ts";
import { firehoseKey, LocalFirehose, RecordRejected } from "../../../../host-tools/local-cloud/iot-core/LocalFirehose.ts";

function objects(lake: string): string[] {
  return readdirSync(lake, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(lake, path.join(entry.parentPath, entry.name)))
    .sort();
}

test("object keys follow Firehose's layout: prefix, UTC YYYY/MM/DD/HH/, stream-version-timestamp-uuid", () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);
  assert.equal(firehoseKey("raw/", "aqm-telemetry", at, "0b5a"), "raw/2026/01/02/03/aqm-telemetry-1-2026-01-02-03-04-05-0b5a");
  assert.equal(
    firehoseKey(RAW_PREFIX, "aqm-telemetry", at, "0b5a"),
    "raw/year=2026/month=01/day=02/hour=03/aqm-telemetry-1-2026-01-02-03-04-05-0b5a",
    "the cloud stack's custom prefix",
  );
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
    const contents = keys.map((key) => readFileSync(path.join(lake, key), "utf8")).sort();
    assert.deepEqual(contents, ['{"seq":1,"pad":"xxxxxxxx"}\n{"seq":2,"pad":"xxxxxxxx"}\n', '{"seq":3}\n'], "one JSON document a line, each line ended");
    assert.equal(firehose.recordsWritten, 3);
    assert.equal(firehose.objectsWritten, 2);
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});

test("records are flushed when the oldest has waited the buffering interval, under the time of the oldest", async () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-lake-"));
  try {
    let now = Date.UTC(2026, 5, 30, 22, 59, 58);
    const firehose = new LocalFirehose({ lakeDir: lake, bufferMs: 30, now: () => now });
    firehose.put('{"seq":1}');
    now += 5_000;
    firehose.put('{"seq":2}');
    assert.equal(objects(lake).length, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(
      objects(lake).map((key) => key.replace(/[0-9a-f-]{36}$/, "<uuid>")),
      ["raw/2026/06/30/22/aqm-telemetry-1-2026-06-30-22-59-58-<uuid>"],
    );
    assert.equal(firehose.objectsWritten, 1, "written by the timer, with no flush asked for");
    await firehose.close();
    assert.equal(objects(lake).length, 1, "nothing left to write at close");
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});

test("a record that is not one line of JSON is refused with the reason and counted; the others are kept", async () => {
  const lake = mkdtempSync(path.join(os.tmpdir(), "aqm-lake-"));
  try {
    const firehose = new LocalFirehose({ lakeDir: lake });
    assert.throws(
      () => firehose.put('{"seq":1'),
      (e) => e instanceof RecordRejected && /not valid JSON/.test(e.message) && /\{\\"seq\\":1/.test(e.message),
    );
    assert.throws(() => firehose.put('{"a":1}\n{"b":2}'), /contains a newline/);
    assert.throws(() => firehose.put(Uint8Array.from([0x7b, 0x7d, 0xff])), /record of 3 bytes is not UTF-8 text/);
    firehose.put('{"seq":2}');
    await firehose.close();
    assert.equal(firehose.rejected, 3);
    assert.equal(firehose.recordsWritten, 1);
    assert.throws(() => firehose.put('{"seq":3}'), /the local Firehose for aqm-telemetry is closed/);
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});

test("a write that fails keeps its records: flush says why, and they are written once the lake can take them", async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), "aqm-lake-"));
  const lake = path.join(base, "lake");
  try {
    // A file where the lake's folder should be makes every write fail.
    writeFileSync(lake, "not a folder");
    const firehose = new LocalFirehose({ lakeDir: lake, bufferBytes: 1 });
    firehose.put('{"seq":1}');
    await assert.rejects(firehose.flush(), /could not write 1 record to .*lake.*raw.*\(ENOTDIR.*\); they stay buffered for the next flush/);
    assert.equal(firehose.recordsWritten, 0);
    rmSync(lake);
    mkdirSync(lake);
    firehose.put('{"seq":2}');
    await firehose.close();
    assert.equal(firehose.recordsWritten, 2);
    assert.deepEqual(
      objects(lake)
        .flatMap((key) => readFileSync(path.join(lake, key), "utf8").trim().split("\n"))
        .sort(),
      ['{"seq":1}', '{"seq":2}'],
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
