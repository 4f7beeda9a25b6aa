import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { OUTBOX_PARTITION } from "../../../../firmware/session/OutboxPartition.ts";
import { partitionNamed, PartitionTableError } from "../../../../host-tools/board-sim/board/PartitionTable.ts";
import { outboxFlashPartition } from "../../../../host-tools/board-sim/board/SimulatedBoard.ts";

function scratchTable(t: { after: (fn: () => void) => void }, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-partitions-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "partitions.csv");
  writeFileSync(file, text);
  return file;
}

test("the repository's table gives the store of unsent readings 64 KB at 0x3e0000, and the simulated board takes that size", () => {
  assert.equal(OUTBOX_PARTITION, "aqmlog");
  assert.deepEqual(partitionNamed(OUTBOX_PARTITION), { name: "aqmlog", type: "data", subtype: "0x40", offset: 0x3e0000, size: 0x10000 });
  assert.equal(outboxFlashPartition().size, 0x10000);
  assert.equal(outboxFlashPartition().name, OUTBOX_PARTITION);
});

test("a table without the partition is refused, naming the file and the partition", (t) => {
  const file = scratchTable(t, "# Name, Type, SubType, Offset, Size\nnvs, data, nvs, 0x9000, 0x6000\n");
  assert.throws(
    () => partitionNamed(OUTBOX_PARTITION, file),
    (error: unknown) => {
      assert.ok(error instanceof PartitionTableError);
      assert.equal(error.message, `${file}: no partition named "aqmlog"`);
      return true;
    },
  );
});

test("a missing table, or a row without a usable size, is refused naming the file (and the line)", (t) => {
  const file = scratchTable(t, "nvs, data, nvs, 0x9000, 0x6000\naqmlog, data, 0x40, 0x3e0000, \n");
  assert.throws(() => partitionNamed(OUTBOX_PARTITION, file), { message: `${file}:2: aqmlog partition has no usable size ("")` });
  const missing = path.join(path.dirname(file), "absent.csv");
  assert.throws(() => partitionNamed(OUTBOX_PARTITION, missing), { message: `${missing}: no such partitions file` });
});
