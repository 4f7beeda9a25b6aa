import { toBytes } from "./Bytes.ts";
import { expectOk } from "./HostPort.ts";
import { hostPort } from "./port.ts";

/** Moddable's `esp32/ota` on the simulated board's OTA partition (host-tools/board-sim/board/SimOtaPartition.ts). */
export default class OTA {
  readonly #handle: number;

  constructor() {
    const reply = expectOk(hostPort().request({ op: "ota.begin" }), "begin failed");
    this.#handle = typeof reply.value === "number" ? reply.value : 0;
  }

  write(data: ArrayBuffer): void {
    expectOk(hostPort().request({ op: "ota.write", handle: this.#handle, data: toBytes(data) }), "write failed");
  }

  complete(): void {
    expectOk(hostPort().request({ op: "ota.complete", handle: this.#handle }), "end failed");
  }

  cancel(): void {
    expectOk(hostPort().request({ op: "ota.cancel", handle: this.#handle }), "cancel failed");
  }
}
