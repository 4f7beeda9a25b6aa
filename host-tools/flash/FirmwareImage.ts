import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The files `aqm build` leaves for flashing, and where each goes in the ESP32's flash.
 *
 * Moddable's mcconfig (tools/mcconfig/make.esp32.mk) copies the ESP-IDF build's outputs into the
 * app's bin folder, $MODDABLE/build/bin/esp32/<debug|release>/<app>/: bootloader.bin,
 * partition-table.bin and xs_esp32.bin. On the ESP32 the second-stage bootloader lives at 0x1000
 * and the partition table at ESP-IDF's default 0x8000; the app goes at the offset of the `factory`
 * partition in manifests/partitions.csv.
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
  const appOffset = factoryOffset(partitionsCsv);
  return [
    readImage(path.join(buildDir, BUILD_FILES.bootloader), ESP32_BOOTLOADER_OFFSET, "esp-image"),
    readImage(path.join(buildDir, BUILD_FILES.partitionTable), ESP32_PARTITION_TABLE_OFFSET, "partition-table"),
    readImage(path.join(buildDir, BUILD_FILES.app), appOffset, "esp-image"),
  ];
}

/**
 * An image given by offset. The kind of check follows from the offset: the partition table's
 * offset gets the table check, anything else must be an ESP image.
 */
export function imageAt(offset: number, file: string): FlashImage {
  if (offset % 0x1000 !== 0) throw new FirmwareImageError(`${file}: offset 0x${offset.toString(16)} is not on a 4 KB flash sector boundary`);
  return readImage(file, offset, offset === ESP32_PARTITION_TABLE_OFFSET ? "partition-table" : "esp-image");
}

/** The offset of the `factory` app partition in an ESP-IDF partitions CSV. */
export function factoryOffset(partitionsCsv: string): number {
  if (!existsSync(partitionsCsv)) throw new FirmwareImageError(`${partitionsCsv}: no such partitions file`);
  const lines = readFileSync(partitionsCsv, "utf8").split("\n");
  for (const [index, line] of lines.entries()) {
    const fields = line.split("#")[0]!.split(",").map((field) => field.trim());
    if (fields[1] !== "app" || fields[2] !== "factory") continue;
    const offset = Number(fields[3]);
    if (!fields[3] || !Number.isInteger(offset)) throw new FirmwareImageError(`${partitionsCsv}:${index + 1}: factory partition has no usable offset ("${fields[3] ?? ""}")`);
    return offset;
  }
  throw new FirmwareImageError(`${partitionsCsv}: no app partition of subtype factory`);
}

function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, "0")}`;
}
