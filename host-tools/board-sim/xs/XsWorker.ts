import "@endo/init";
import { xsnap } from "@agoric/xsnap";
import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";

export type XsWorker = Awaited<ReturnType<typeof xsnap>>;

/**
 * A real Moddable XS engine in its own process (the `xsnap-worker` that `@agoric/xsnap` compiles
 * from XS's C sources at install), with no compute limit so a long run is measured, not stopped.
 * `handleCommand` answers the engine's synchronous `issueCommand` calls.
 */
export function startXsWorker(name: string, handleCommand: (message: Uint8Array) => Promise<Uint8Array>): Promise<XsWorker> {
  return xsnap({
    os: os.type(),
    spawn,
    fs: { ...fsp, createReadStream: fs.createReadStream, tmpName: undefined },
    name,
    meteringLimit: 0,
    stdout: "inherit",
    stderr: "inherit",
    handleCommand,
  });
}
