import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** moto's server mode, from the checkout's .venv (test/prepare-machine.sh installs it with cloud/requirements-test.txt). */
const MOTO_SERVER = fileURLToPath(new URL("../../../../.venv/bin/moto_server", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An AWS emulator nobody here wrote, on a local port: the AWS SDK calls of the host tools go to it
 * as they would go to AWS. Started for a test and stopped after it.
 */
export class MotoServer {
  readonly endpoint: string;
  readonly #child: ChildProcess;

  private constructor(endpoint: string, child: ChildProcess) {
    this.endpoint = endpoint;
    this.#child = child;
  }

  static async start(): Promise<MotoServer> {
    if (!existsSync(MOTO_SERVER))
      throw new Error(`${MOTO_SERVER} is missing: run test/prepare-machine.sh (npm test does) to install cloud/requirements-test.txt`);
    const port = await freePort();
    const child = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${log}`);
      try {
        // moto's own API answers once the server is up.
        if ((await fetch(`${endpoint}/moto-api/data.json`)).ok) return new MotoServer(endpoint, child);
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.#child.kill();
    await exited;
  }
}
