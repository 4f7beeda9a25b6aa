import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { bootAppOffset, buildImages, FirmwareImageError, imageAt, readImage } from "../../../../host-tools/field/flash/FirmwareImage.ts";
import { PARTITIONS_CSV_FILE, partitionRows } from "../../../../host-tools/board-sim/board/PartitionTable.ts";
import { OUTBOX_PARTITION } from "../../../../firmware/session/OutboxPartition.ts";
import { OTA_APP_PARTITION_BYTES } from "../../../../firmware/update/OtaSlot.ts";
import { writeFakeBuild } from "./fake-build.ts";

function scratch(): string {
  return mkdtempSync(path.join(os.tmpdir(), "aqm-flash-image-"));
}

test("a build folder yields bootloader at 0x1000, partition table at 0x8000, otadata erased and the app in ota_0", (t) => {
  const build = writeFakeBuild();
  t.after(() => rmSync(build.dir, { recursive: true, force: true }));
  const images = buildImages(build.dir, PARTITIONS_CSV_FILE);
  assert.deepEqual(
    images.map((image) => [path.basename(image.file), image.offset]),
    [
      ["bootloader.bin", 0x1000],
      ["partition-table.bin", 0x8000],
      ["ota_data_initial.bin", 0x3d0000],
      ["xs_esp32.bin", 0x10000],
    ],
  );
  assert.ok(images[2]!.data.length === 0x2000 && images[2]!.data.every((byte) => byte === 0xff), "erased otadata: the bootloader starts ota_0");
  assert.deepEqual(images[3]!.data, build.app);
});

test("the app offset comes from the factory row of partitions.csv, or ota_0 without one", (t) => {
  const dir = scratch();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(bootAppOffset(PARTITIONS_CSV_FILE), 0x10000);
  const moved = path.join(dir, "partitions.csv");
  writeFileSync(
    moved,
    "# Name, Type, SubType, Offset, Size\nnvs, data, nvs, 0x9000, 0x6000\nfactory, app, factory, 0x20000, 0x100000\nota_0, app, ota_0, 0x120000, 0x100000\n",
  );
  assert.equal(bootAppOffset(moved), 0x20000);
  writeFileSync(moved, "nvs, data, nvs, 0x9000, 0x6000\n");
  assert.throws(() => bootAppOffset(moved), { message: `${moved}: no app partition of subtype factory or ota_0` });
});

test("the repository's partition table has two OTA slots, otadata and the store of unsent readings, inside 4 MB", () => {
  const rows = partitionRows(PARTITIONS_CSV_FILE);
  const byName = new Map(rows.map((row) => [row.name, row]));
  for (const name of ["nvs", "phy_init", "ota_0", "ota_1", "otadata", OUTBOX_PARTITION]) assert.ok(byName.has(name), name);
  assert.equal(rows.filter((row) => row.subtype === "factory").length, 0, "no factory app: the bootloader would prefer it over an update");
  assert.equal(byName.get("ota_0")!.size, OTA_APP_PARTITION_BYTES, "the firmware's (and the simulated board's) OTA slot size is the table's");
  assert.equal(byName.get("ota_1")!.size, OTA_APP_PARTITION_BYTES);
  assert.equal(byName.get("otadata")!.size, 0x2000, "ESP-IDF's otadata is two sectors");
  const sorted = [...rows].sort((a, b) => a.offset - b.offset);
  for (const [i, row] of sorted.entries()) {
    if (row.type === "app") assert.equal(row.offset % 0x10000, 0, `${row.name} is 64 KB aligned`);
    const next = sorted[i + 1];
    if (next) assert.ok(row.offset + row.size <= next.offset, `${row.name} overlaps ${next.name}`);
  }
  const last = sorted.at(-1)!;
  assert.ok(last.offset + last.size <= 4 * 1024 * 1024, "fits a 4 MB flash");
});

test("an app without the 0xE9 magic is refused, naming the file and the byte found", (t) => {
  const build = writeFakeBuild();
  t.after(() => rmSync(build.dir, { recursive: true, force: true }));
  const app = path.join(build.dir, "xs_esp32.bin");
  writeFileSync(app, Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]));
  assert.throws(
    () => buildImages(build.dir, PARTITIONS_CSV_FILE),
    (error: unknown) => {
      assert.ok(error instanceof FirmwareImageError);
      assert.equal(error.message, `${app}: not an ESP image (first byte 0x7f, expected 0xe9)`);
      return true;
    },
  );
});

test("a partition table without the AA 50 entry magic is refused, naming the file", (t) => {
  const build = writeFakeBuild();
  t.after(() => rmSync(build.dir, { recursive: true, force: true }));
  const table = path.join(build.dir, "partition-table.bin");
  writeFileSync(table, new Uint8Array(3072).fill(0xff));
  assert.throws(() => buildImages(build.dir, PARTITIONS_CSV_FILE), { message: `${table}: not a partition table (starts 0xff 0xff, expected 0xaa 0x50)` });
  // The same file at the partition table's offset is checked as a table, not as an ESP image.
  assert.throws(() => imageAt(0x8000, table), { message: /not a partition table/ });
});

test("a missing or empty file is refused with its path", (t) => {
  const build = writeFakeBuild();
  t.after(() => rmSync(build.dir, { recursive: true, force: true }));
  rmSync(path.join(build.dir, "bootloader.bin"));
  assert.throws(() => buildImages(build.dir, PARTITIONS_CSV_FILE), { message: `${path.join(build.dir, "bootloader.bin")}: no such file` });
  const empty = path.join(build.dir, "empty.bin");
  writeFileSync(empty, new Uint8Array(0));
  assert.throws(() => readImage(empty, 0x10000, "esp-image"), { message: `${empty}: empty file` });
  assert.throws(() => buildImages(path.join(build.dir, "nope"), PARTITIONS_CSV_FILE), { message: /nope: no such build folder/ });
});

test("an explicit image must sit on a 4 KB sector boundary", (t) => {
  const build = writeFakeBuild();
  t.after(() => rmSync(build.dir, { recursive: true, force: true }));
  const app = path.join(build.dir, "xs_esp32.bin");
  assert.equal(imageAt(0x10000, app).offset, 0x10000);
  assert.throws(() => imageAt(0x10010, app), { message: `${app}: offset 0x10010 is not on a 4 KB flash sector boundary` });
});
