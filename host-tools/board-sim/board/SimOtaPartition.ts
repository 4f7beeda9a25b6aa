/** Where a simulated OTA app partition is: the board boots the image there only once it is completed. */
export type OtaState = "erased" | "writing" | "completed" | "cancelled" | "invalid";

/** The first byte of every ESP32 app image; ESP-IDF's esp_ota_write refuses a first chunk without it. */
const ESP_IMAGE_MAGIC = 0xe9;

/** What Moddable's `esp32/ota` does with an ArrayBuffer, for callers on the host side of the port. */
export interface OtaSession {
  write(data: ArrayBuffer): void;
  complete(): void;
  cancel(): void;
}

/**
 * The next OTA app partition (ota_1 while ota_0 runs) of a simulated board, behaving as ESP-IDF's
 * esp_ota_* calls do under Moddable's `esp32/ota`: a new session erases the partition and
 * invalidates older handles; writes append and are refused past the partition's size, after
 * `complete` or `cancel`, or when the first byte is not the image magic; `complete` refuses an
 * empty or invalid image, and otherwise marks the partition to boot at the next reset. It keeps
 * what was written so a test can compare it with the image sent.
 */
export class SimOtaPartition {
  readonly size: number;
  #chunks: Uint8Array[] = [];
  #length = 0;
  #state: OtaState = "erased";
  #handle = 0;
  /** Sessions begun (each erased the partition). */
  sessions = 0;

  constructor(size: number) {
    this.size = size;
  }

  get state(): OtaState {
    return this.#state;
  }

  /** Whether the bootloader would start this partition's image after a reset. */
  get bootsNext(): boolean {
    return this.#state === "completed";
  }

  get length(): number {
    return this.#length;
  }

  /** Everything written in the current session. */
  get image(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** esp_ota_begin: erases the partition; returns the session's handle. */
  begin(): number {
    this.#chunks = [];
    this.#length = 0;
    this.#state = "writing";
    this.sessions++;
    return ++this.#handle;
  }

  /** esp_ota_write. */
  write(handle: number, data: Uint8Array): void {
    this.#checkOpen(handle);
    if (this.#length + data.length > this.size)
      throw new Error(`ESP_ERR_INVALID_SIZE: ${this.#length + data.length} bytes do not fit the ${this.size}-byte partition`);
    if (this.#length === 0 && data.length > 0 && data[0] !== ESP_IMAGE_MAGIC)
      throw new Error(`ESP_ERR_OTA_VALIDATE_FAILED: first byte 0x${data[0]!.toString(16)} is not the image magic`);
    this.#chunks.push(data.slice());
    this.#length += data.length;
  }

  /** esp_ota_end, then esp_ota_set_boot_partition. */
  complete(handle: number): void {
    this.#checkOpen(handle);
    if (this.#length === 0) {
      this.#state = "invalid";
      throw new Error("ESP_ERR_OTA_VALIDATE_FAILED: nothing was written");
    }
    this.#state = "completed";
  }

  /** esp_ota_end on a session being dropped; a closed or stale handle is ignored, as Moddable's cancel does. */
  cancel(handle: number): void {
    if (handle !== this.#handle || this.#state !== "writing") return;
    this.#state = "cancelled";
  }

  /** A session driven directly, for host-side tests of the firmware's update receiver. */
  open(): OtaSession {
    const handle = this.begin();
    return {
      write: (data) => this.write(handle, new Uint8Array(data)),
      complete: () => this.complete(handle),
      cancel: () => this.cancel(handle),
    };
  }

  #checkOpen(handle: number): void {
    if (handle !== this.#handle) throw new Error("ESP_ERR_INVALID_ARG: the OTA handle is stale (a newer session began)");
    if (this.#state !== "writing") throw new Error(`ESP_ERR_INVALID_ARG: the OTA session is ${this.#state}`);
  }
}
