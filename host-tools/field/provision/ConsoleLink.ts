import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";

/**
 * A byte stream to a board's serial console: a real USB serial port, or a simulated board's
 * console UART (host-tools/board-sim/board/ConsoleUart.ts), which has this shape.
 */
export interface ConsoleLink {
  write(bytes: Uint8Array): void;
  /** Listens to everything the board prints; returns the function that stops listening. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
}

/**
 * A tty opened raw, without echo, at the console's speed. Close it when done. Open a port once and
 * give every listener this link: two readers on one tty each take bytes the other never sees.
 */
export function ttyLink(port: string, baud = 115_200): ConsoleLink & { close(): void } {
  const stty = spawnSync("stty", ["-F", port, String(baud), "raw", "-echo"], { encoding: "utf8" });
  if (stty.status !== 0) throw new Error(`cannot set up ${port}: ${stty.stderr.trim() || stty.error?.message}`);
  const input = createReadStream(port);
  const output = createWriteStream(port);
  const listeners = new Set<(bytes: Uint8Array) => void>();
  // A pty's reader sees EIO once the other end closes, a USB adapter's once it is unplugged: the end
  // of what the board says, which a command waiting for its reply reports as its timeout.
  input.on("error", () => {});
  output.on("error", () => {});
  input.on("data", (chunk) => {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk);
    for (const listener of listeners) listener(bytes);
  });
  return {
    write: (bytes) => void output.write(bytes),
    onData: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      input.destroy();
      output.end();
    },
  };
}
