import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { partitionRows } from "../../board-sim/board/PartitionTable.ts";

/**
 * The files `aqm build` leaves for flashing, and where each goes in the ESP32's flash.
 *
 * Moddable's mcconfig (tools/mcconfig/make.esp32.mk) copies the ESP-IDF build's outputs into the
 * app's bin folder, $MODDABLE/build/bin/esp32/<debug|release>/<app>/: bootloader.bin,
 * partition-table.bin and xs_esp32.bin. On the ESP32 the second-stage bootloader lives at 0x1000
 * and the partition table at ESP-IDF's default 0x8000; the app goes at the offset of the first app
 * partition the bootloader tries in manifests/partitions.csv (`factory`, or else `ota_0`). With OTA
 * slots the otadata partition is written erased as well, as ESP-IDF's ota_data_initial.bin is:
 * otherwise a board whose last console update selected ota_1 would go on booting that.
 */
export interface FlashImage {
  readonly offset: number;
  readonly file: string;
  readonly data: Uint8Array;
}

export type ImageKind = "esp-image" | "partition-table";

const ESP32_BOOTLOADER_OFFSET = 0x1000;
const ESP32_PARTITION_TABLE_OFFSET = 0x8000;
const ESP_IMAGE_MAGIC = 0xe9;
/** Every partition table entry starts with the bytes AA 50 (0x50AA little-endian). */
const PARTITION_ENTRY_MAGIC = [0xaa, 0x50] as const;

/** ESP-IDF's name for the erased otadata image its own flash step writes. */
const OTA_DATA_INITIAL = "ota_data_initial.bin";

const BUILD_FILES = { bootloader: "bootloader.bin", partitionTable: "partition-table.bin", app: "xs_esp32.bin" } as const;

export class FirmwareImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FirmwareImageError";
  }
}

/** Reads `file` and checks it is what belongs at `offset`; errors name the file and the problem. */
export function readImage(file: string, offset: number, kind: ImageKind): FlashImage {
  if (!existsSync(file)) throw new FirmwareImageError(`${file}: no such file`);
  if (!statSync(file).isFile()) throw new FirmwareImageError(`${file}: not a file`);
  const data = new Uint8Array(readFileSync(file));
  if (data.length === 0) throw new FirmwareImageError(`${file}: empty file`);
  if (kind === "esp-image" && data[0] !== ESP_IMAGE_MAGIC) {
    throw new FirmwareImageError(`${file}: not an ESP image (first byte ${hexByte(data[0]!)}, expected 0xe9)`);
  }
  if (kind === "partition-table" && !(data[0] === PARTITION_ENTRY_MAGIC[0] && data[1] === PARTITION_ENTRY_MAGIC[1])) {
    throw new FirmwareImageError(`${file}: not a partition table (starts ${hexByte(data[0]!)} ${hexByte(data[1] ?? 0)}, expected 0xaa 0x50)`);
  }
  return { offset, file, data };
}

/** The bootloader, partition table and app from a Moddable ESP32 build folder. */
export function buildImages(buildDir: string, partitionsCsv: string): FlashImage[] {
  if (!existsSync(buildDir)) throw new FirmwareImageError(`${buildDir}: no such build folder (run aqm build first)`);
  const rows = partitionRows(partitionsCsv);
  const images = [
    readImage(path.join(buildDir, BUILD_FILES.bootloader), ESP32_BOOTLOADER_OFFSET, "esp-image"),
    readImage(path.join(buildDir, BUILD_FILES.partitionTable), ESP32_PARTITION_TABLE_OFFSET, "partition-table"),
  ];
  const otadata = rows.find((row) => row.type === "data" && row.subtype === "ota");
  if (otadata) images.push({ offset: otadata.offset, file: OTA_DATA_INITIAL, data: new Uint8Array(otadata.size).fill(0xff) });
  images.push(readImage(path.join(buildDir, BUILD_FILES.app), bootAppOffset(partitionsCsv, rows), "esp-image"));
  return images;
}

/**
 * An image given by offset. The kind of check follows from the offset: the partition table's
 * offset gets the table check, anything else must be an ESP image.
 */
export function imageAt(offset: number, file: string): FlashImage {
  if (offset % 0x1000 !== 0) throw new FirmwareImageError(`${file}: offset 0x${offset.toString(16)} is not on a 4 KB flash sector boundary`);
  return readImage(file, offset, offset === ESP32_PARTITION_TABLE_OFFSET ? "partition-table" : "esp-image");
}

/** Where a freshly flashed app goes: the `factory` partition, or `ota_0` in a table without one, as the bootloader picks. */
export function bootAppOffset(partitionsCsv: string, rows = partitionRows(partitionsCsv)): number {
  const app = rows.find((row) => row.type === "app" && row.subtype === "factory") ?? rows.find((row) => row.type === "app" && row.subtype === "ota_0");
  if (!app) throw new FirmwareImageError(`${partitionsCsv}: no app partition of subtype factory or ota_0`);
  return app.offset;
}

function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, "0")}`;
}
