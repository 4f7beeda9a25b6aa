import type { FlashLike } from "../../../firmware/session/StoreAndForward";
import type { FlashPartition } from "../../../host-tools/board-sim/board/FlashPartition.ts";

/** Moddable's `flash` API over the simulated NOR partition, for the session tests that drive StoreAndForward directly. */
export function flashOf(partition: FlashPartition): FlashLike {
  return {
    byteLength: partition.size,
    blockSize: partition.blockSize,
    read: (offset, length) => partition.read(offset, length).buffer as ArrayBuffer,
    write: (offset, length, buffer) =>
      partition.write(offset, new Uint8Array(buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer)).subarray(0, length)),
    erase: (sector) => partition.erase(sector),
  };
}
