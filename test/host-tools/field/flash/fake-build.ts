import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A small stand-in for a Moddable ESP32 build folder: files with the right leading bytes
 * (0xE9 ESP image magic, AA 50 partition entries) and deterministic pseudo-random bodies that
 * compress little, so several FLASH_DEFL_DATA blocks cross the wire.
 */
export interface FakeBuild {
  readonly dir: string;
  readonly bootloader: Uint8Array;
  readonly partitionTable: Uint8Array;
  readonly app: Uint8Array;
}

export function writeFakeBuild(appBytes = 6 * 1024 + 3): FakeBuild {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-flash-build-"));
  const bootloader = espImage(2 * 1024, 1);
  const partitionTable = new Uint8Array(3 * 1024).fill(0xff);
  partitionTable.set([0xaa, 0x50, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x30, 0x00]);
  const app = espImage(appBytes, 2);
  writeFileSync(path.join(dir, "bootloader.bin"), bootloader);
  writeFileSync(path.join(dir, "partition-table.bin"), partitionTable);
  writeFileSync(path.join(dir, "xs_esp32.bin"), app);
  return { dir, bootloader, partitionTable, app };
}

/** An ESP image header (magic, segment count, SPI mode DIO, 4 MB / 40 MHz) and a noisy body. */
export function espImage(length: number, seed: number): Uint8Array {
  const image = new Uint8Array(length);
  let state = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    image[i] = state >>> 24;
  }
  image.set([0xe9, 0x03, 0x02, 0x20]);
  return image;
}
