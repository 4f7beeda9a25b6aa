import vm from "node:vm";
import type { HostPort } from "./portable/HostPort.ts";
import { BUNDLE_GLOBAL, firmwareBundle } from "./FirmwareBundle.ts";

let compiled: Promise<vm.Script> | undefined;

/** The bundle compiled once for every board of the process: each context runs the same script, and V8 shares its compiled code. */
function compiledBundle(): Promise<vm.Script> {
  compiled ??= firmwareBundle().then((source) => new vm.Script(source, { filename: "aqm-firmware.js" }));
  return compiled;
}

/** What the host can call on a running firmware bundle. */
export interface FirmwareHandle {
  advance(ms: number): void;
  now(): number;
  nextDue(): number | undefined;
  readonly FIRMWARE_VERSION: string;
  readonly board: { stop(onStopped: () => void): void; readonly sequence: number; readonly bootId: number };
}

/**
 * Runs the firmware bundle in its own `vm` context under Node: a realm of its own, like a board
 * of its own, so several boards share one process without sharing a module. Booting evaluates
 * the bundle, which runs `main.ts`; after that nothing happens until the host advances time.
 */
export class VmBoard {
  readonly #firmware: FirmwareHandle;

  private constructor(firmware: FirmwareHandle) {
    this.#firmware = firmware;
  }

  static async boot(port: HostPort): Promise<VmBoard> {
    const context = vm.createContext({ aqmHostPort: port });
    (await compiledBundle()).runInContext(context);
    const firmware = (context as Record<string, unknown>)[BUNDLE_GLOBAL] as FirmwareHandle | undefined;
    if (!firmware) throw new Error(`the firmware bundle did not define ${BUNDLE_GLOBAL}`);
    return new VmBoard(firmware);
  }

  get firmware(): FirmwareHandle {
    return this.#firmware;
  }

  advance(ms: number): void {
    this.#firmware.advance(ms);
  }

  get now(): number {
    return this.#firmware.now();
  }

  /** Board time at which the firmware's next timer is due; undefined when none is set. */
  nextDue(): number | undefined {
    return this.#firmware.nextDue();
  }
}
