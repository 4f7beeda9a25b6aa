import { startXsWorker, type XsWorker } from "./XsWorker.ts";
import { BUNDLE_GLOBAL, firmwareBundle, xsPortBundle } from "../platform/FirmwareBundle.ts";
import type { HostPort } from "../platform/portable/HostPort.ts";
import { decodeRequest, encodeReply } from "../platform/portable/PortWire.ts";

/** XS's own meter for one evaluation: operations executed (the same on every machine) and heap slots in use. */
export interface XsMeter {
  readonly compute: number;
  readonly heapCount: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Runs the firmware bundle on the real Moddable XS engine (the `xsnap-worker` that
 * `@agoric/xsnap` compiles from XS's C sources at install), with the same BoardHardware on the Node
 * side answering its port requests through xsnap's synchronous `issueCommand`.
 */
export class XsBoard {
  readonly #worker: XsWorker;
  readonly bootMeter: XsMeter;

  private constructor(worker: XsWorker, bootMeter: XsMeter) {
    this.#worker = worker;
    this.bootMeter = bootMeter;
  }

  static async boot(port: HostPort): Promise<XsBoard> {
    const worker = await startXsWorker("aqm-board", async (message: Uint8Array) => {
      let reply: string;
      try {
        reply = encodeReply(port.request(decodeRequest(decoder.decode(message))));
      } catch (error) {
        reply = encodeReply({ ok: false, code: "host", error: `host could not answer: ${(error as Error).message}` });
      }
      return encoder.encode(reply);
    });
    try {
      await worker.evaluate(await xsPortBundle());
      const result = await worker.evaluate(await firmwareBundle());
      return new XsBoard(worker, meterOf(result));
    } catch (error) {
      await worker.close().catch(() => undefined);
      throw new Error(`the firmware failed to boot on XS: ${(error as Error).message}`);
    }
  }

  /** Advances board time on XS and returns what XS counted while doing it. */
  async advance(ms: number): Promise<XsMeter> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance board time by ${ms} ms`);
    return meterOf(await this.#worker.evaluate(`${BUNDLE_GLOBAL}.advance(${ms})`));
  }

  /** Evaluates a script on the board's engine, for the harness only (for example to read a firmware counter). */
  async evaluate(script: string): Promise<XsMeter> {
    return meterOf(await this.#worker.evaluate(script));
  }

  async close(): Promise<void> {
    await this.#worker.close();
  }
}

function meterOf(result: { meterUsage?: { compute?: number; currentHeapCount?: number } }): XsMeter {
  return { compute: result.meterUsage?.compute ?? Number.NaN, heapCount: result.meterUsage?.currentHeapCount ?? Number.NaN };
}
