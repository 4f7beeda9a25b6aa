import { Base64Decoder } from "../console/Base64Decoder";
import { errReply, okReply } from "../console/ConsoleReply";
import type { EventLog } from "../log/SerialLog";
import type { CallbackTimer } from "../types/CallbackTimer";
import { crc32 } from "./Crc32";

/**
 * Moddable's `esp32/ota` as the receiver uses it. Making one erases the next app partition;
 * `complete` has ESP-IDF check the image and makes that partition the one booted from next time.
 */
export interface OtaWriter {
  write(data: ArrayBuffer): void;
  complete(): void;
  cancel(): void;
}

export interface FirmwareUpdateOptions {
  /** A new OTA session (`new OTA` on the device). Throws when the board has no OTA partition. */
  readonly open: () => OtaWriter;
  readonly log: EventLog;
  readonly timer: CallbackTimer;
  /** The size of an OTA app partition (manifests/partitions.csv): a larger image could never be written. */
  readonly maxBytes: number;
  /** True when an update starts, false when it ends in any way: the status LED follows it. */
  readonly onActive: (active: boolean) => void;
  /** An update with no `update` line for this long is cancelled (the sender went away). */
  readonly idleTimeoutMs?: number;
}

/** Image bytes per `update data` line: 256 base64 characters, so the line stays under the console's 300. */
export const UPDATE_CHUNK_BYTES = 192;
/** The first byte of every ESP32 app image (esp_image_header_t.magic). */
const ESP_IMAGE_MAGIC = 0xe9;
const DEFAULT_IDLE_MS = 60_000;

interface Transfer {
  readonly ota: OtaWriter;
  readonly size: number;
  readonly crc: number;
  received: number;
  crcSoFar: number;
}

/**
 * A new firmware image received over the serial console (docs/serial-console.md):
 * `update begin <bytes> <crc32>`, then `update data <base64>` lines in order, then `update end`.
 * Steps: idle (no transfer) or receiving (a transfer). Each data line is checked and written to
 * the OTA partition as it arrives, so the image is never held in RAM; the board keeps sampling
 * and publishing meanwhile. Any refused line during a transfer cancels it: the OTA partition is
 * left unbootable and the running firmware stays. Only an image of exactly the announced size,
 * starting with the ESP image magic and matching the announced CRC-32, is completed; it runs from
 * the next reset.
 */
export class FirmwareUpdate {
  readonly #options: FirmwareUpdateOptions;
  readonly #decoder = new Base64Decoder(UPDATE_CHUNK_BYTES);
  /** Whole chunks go to the OTA module from this one buffer; only the last, shorter one is copied. */
  readonly #chunk = new Uint8Array(UPDATE_CHUNK_BYTES);
  #transfer: Transfer | undefined;
  #idle: unknown;

  constructor(options: FirmwareUpdateOptions) {
    this.#options = options;
  }

  get receiving(): boolean {
    return this.#transfer !== undefined;
  }

  /** One `update …` console line, without the word `update`; returns the reply line. */
  command(args: readonly string[]): string {
    const [action] = args;
    if (this.#transfer) this.#watchIdle();
    if (action === undefined) return this.#status();
    if (action === "begin" && args.length === 3) return this.#begin(args[1]!, args[2]!);
    if (action === "abort" && args.length === 1) return this.#abort();
    const transfer = this.#transfer;
    if (!transfer) {
      if (action === "data" || action === "end") return this.#refuse("not-started", "no update is in progress; send update begin <bytes> <crc32> first");
      return this.#refuse("usage", USAGE);
    }
    if (action === "data" && args.length === 2) return this.#data(transfer, args[1]!);
    if (action === "end" && args.length === 1) return this.#end(transfer);
    return this.#fail("usage", USAGE);
  }

  #status(): string {
    const transfer = this.#transfer;
    if (!transfer) return okReply("update idle");
    return okReply("update receiving", { received: transfer.received, of: transfer.size });
  }

  #begin(bytesText: string, crcText: string): string {
    // A second sender must not cut into the first one's image; `update abort` is the way to start over.
    if (this.#transfer)
      return this.#refuse("busy", `an update is in progress (${this.#transfer.received} of ${this.#transfer.size} bytes); send update abort to start over`);
    if (!/^[1-9][0-9]{0,9}$/.test(bytesText)) return this.#refuse("invalid-value", `image size "${bytesText}" is not a whole number of bytes`);
    const size = Number(bytesText);
    if (size > this.#options.maxBytes)
      return this.#refuse("too-large", `an image of ${size} bytes does not fit the ${this.#options.maxBytes}-byte OTA partition`);
    if (!/^[0-9a-fA-F]{8}$/.test(crcText)) return this.#refuse("invalid-value", `CRC-32 "${crcText}" is not 8 hex digits`);
    let ota: OtaWriter;
    try {
      ota = this.#options.open();
    } catch (error) {
      this.#options.log.event("FW952", { code: "ota-unavailable", reason: reason(error), received: 0, of: size });
      return errReply("ota-unavailable", `the OTA partition could not be opened (${reason(error)}); nothing was changed`);
    }
    const crc = parseInt(crcText, 16);
    this.#transfer = { ota, size, crc, received: 0, crcSoFar: 0 };
    this.#watchIdle();
    this.#options.onActive(true);
    this.#options.log.event("FW950", { bytes: size, crc: hex32(crc) });
    return okReply("update ready", { bytes: size, chunk: UPDATE_CHUNK_BYTES });
  }

  #data(transfer: Transfer, text: string): string {
    const decoder = this.#decoder;
    decoder.reset();
    const decoded = decoder.push(text) ? decoder.finish() : undefined;
    if (!decoded) {
      const problem = decoder.problem;
      return this.#fail(problem.startsWith("decodes to more") ? "chunk-too-large" : "base64", problem);
    }
    if (decoded.length === 0) return this.#fail("base64", "the data line is empty");
    if (transfer.received + decoded.length > transfer.size) {
      return this.#fail("too-large", `${transfer.received + decoded.length} bytes received, more than the ${transfer.size} announced`);
    }
    if (transfer.received === 0 && decoded[0] !== ESP_IMAGE_MAGIC) {
      return this.#fail("not-esp-image", `the image starts with 0x${decoded[0]!.toString(16).padStart(2, "0")}, not the ESP32 app image magic 0xe9`);
    }
    try {
      transfer.ota.write(this.#buffer(decoded));
    } catch (error) {
      return this.#fail("ota-write", `the OTA partition refused the write (${reason(error)})`);
    }
    transfer.received += decoded.length;
    transfer.crcSoFar = crc32(decoded, 0, decoded.length, transfer.crcSoFar);
    return okReply("update data", { received: transfer.received, of: transfer.size });
  }

  #end(transfer: Transfer): string {
    if (transfer.received < transfer.size) return this.#fail("incomplete", `${transfer.received} of ${transfer.size} bytes received`);
    if (transfer.crcSoFar !== transfer.crc)
      return this.#fail("crc-mismatch", `the image's CRC-32 is ${hex32(transfer.crcSoFar)}, not the ${hex32(transfer.crc)} announced`);
    try {
      transfer.ota.complete();
    } catch (error) {
      return this.#fail("ota-complete", `the OTA module refused the image (${reason(error)})`);
    }
    this.#finish();
    this.#options.log.event("FW951", { bytes: transfer.size, crc: hex32(transfer.crc) });
    return okReply("update complete", { bytes: transfer.size, crc: hex32(transfer.crc), restart: "required" });
  }

  #abort(): string {
    const transfer = this.#transfer;
    if (!transfer) return okReply("update idle");
    this.#cancel(transfer, "aborted");
    return okReply("update aborted", { received: transfer.received, of: transfer.size });
  }

  #watchIdle(): void {
    this.#options.timer.clear(this.#idle);
    const idleMs = this.#options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    this.#idle = this.#options.timer.set(() => {
      this.#idle = undefined;
      const transfer = this.#transfer;
      if (transfer) this.#cancel(transfer, `nothing for ${idleMs / 1000} s`);
    }, idleMs);
  }

  #cancel(transfer: Transfer, why: string): void {
    this.#closeOta(transfer);
    this.#finish();
    this.#options.log.event("FW953", { reason: why, received: transfer.received, of: transfer.size });
  }

  /** A refused line during a transfer: the transfer ends and nothing is activated. */
  #fail(code: string, message: string): string {
    const transfer = this.#transfer!;
    this.#closeOta(transfer);
    this.#finish();
    this.#options.log.event("FW952", { code, reason: message, received: transfer.received, of: transfer.size });
    return errReply(code, `${message}; the update was cancelled and the running firmware stays`);
  }

  /** A refused line with no transfer to end, logged as any refused console input. */
  #refuse(code: string, message: string): string {
    this.#options.log.event("CN910", { code, command: "update" });
    return errReply(code, message);
  }

  #closeOta(transfer: Transfer): void {
    try {
      transfer.ota.cancel();
    } catch {
      // The partition is left unbootable either way: cancel only frees the session.
    }
  }

  #finish(): void {
    this.#options.timer.clear(this.#idle);
    this.#idle = undefined;
    this.#transfer = undefined;
    this.#options.onActive(false);
  }

  #buffer(decoded: Uint8Array): ArrayBuffer {
    // The OTA module writes the whole ArrayBuffer it is given, so it must be exactly the chunk.
    if (decoded.length !== UPDATE_CHUNK_BYTES) return decoded.slice().buffer;
    this.#chunk.set(decoded);
    return this.#chunk.buffer;
  }
}

const USAGE = "update | update begin <bytes> <crc32> | update data <base64> | update end | update abort";

function hex32(value: number): string {
  return value.toString(16).padStart(8, "0");
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
