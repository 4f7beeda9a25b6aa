import { crc32 } from "../../../firmware/update/Crc32";
import { UPDATE_CHUNK_BYTES } from "../../../firmware/update/FirmwareUpdate";
import type { ConsoleClient } from "../provision/ConsoleClient.ts";

/**
 * Sends a firmware image over a running board's serial console (docs/serial-console.md, `update`):
 * `update begin <bytes> <crc32>`, one `update data <base64>` line per chunk, each waiting for its
 * `OK` (the console's flow control), then `update end`. The board checks sizes, base64, the image
 * magic and the CRC-32 itself; an ERR reply throws ConsoleRefused, and the update is cancelled.
 * Returns the text of the final `OK update complete …` reply.
 */
export async function sendFirmwareImage(
  client: ConsoleClient,
  image: Uint8Array,
  onProgress: (sentBytes: number, totalBytes: number) => void,
): Promise<string> {
  await client.handshake();
  // A transfer left half-way by an earlier run that was stopped would refuse the new begin as busy.
  await client.command("update abort");
  const crc = crc32(image).toString(16).padStart(8, "0");
  await client.command(`update begin ${image.length} ${crc}`);
  onProgress(0, image.length);
  try {
    for (let at = 0; at < image.length; at += UPDATE_CHUNK_BYTES) {
      const end = Math.min(image.length, at + UPDATE_CHUNK_BYTES);
      await client.command(`update data ${Buffer.from(image.subarray(at, end)).toString("base64")}`, "update data");
      onProgress(end, image.length);
    }
    return await client.command("update end");
  } catch (error) {
    // The board cancels on any ERR of its update receiver, but a reply that never came, or an
    // ERR busy from a running self-test, leaves it mid-transfer with its LED saying so: end it
    // now rather than after its idle timeout. With nothing in progress the abort is harmless.
    await client.command("update abort").catch(() => "");
    throw error;
  }
}
