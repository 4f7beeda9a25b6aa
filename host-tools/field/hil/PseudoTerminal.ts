import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A pair of connected pseudo-terminals made by Debian's `socat`: what is written to one end is
 * read from the other, as over a USB serial cable. The simulated board owns `deviceEnd`; the
 * harness opens `hostEnd` exactly as it opens /dev/ttyUSB0 for a real board.
 */
export class PseudoTerminal {
  readonly deviceEnd: string;
  readonly hostEnd: string;
  readonly #dir: string;
  readonly #socat: ChildProcess;

  private constructor(dir: string, socat: ChildProcess) {
    this.#dir = dir;
    this.#socat = socat;
    this.deviceEnd = path.join(dir, "device");
    this.hostEnd = path.join(dir, "host");
  }

  static async open(): Promise<PseudoTerminal> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "aqm-pty-"));
    const socat = spawn("socat", [`pty,raw,echo=0,link=${path.join(dir, "device")}`, `pty,raw,echo=0,link=${path.join(dir, "host")}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    socat.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const failed = new Promise<never>((_, reject) => {
      socat.once("error", (error) => reject(new Error(`socat could not start (${error.message}); install it: apt-get install socat`)));
      socat.once("exit", (code) => reject(new Error(`socat exited with ${code}: ${stderr.trim()}`)));
    });
    const ready = (async () => {
      const deadline = Date.now() + 5000;
      while (!(existsSync(path.join(dir, "device")) && existsSync(path.join(dir, "host")))) {
        if (Date.now() > deadline) throw new Error("socat did not create the pseudo-terminals within 5 s");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await Promise.race([ready, failed]);
    failed.catch(() => {});
    return new PseudoTerminal(dir, socat);
  }

  close(): void {
    this.#socat.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
