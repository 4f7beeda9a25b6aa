import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { LocalCa } from "./LocalCa.ts";

/** A port nothing listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface MosquittoBroker {
  readonly port: number;
  /** Everything mosquitto wrote to stderr so far (its log). */
  log(): string;
  stop(): void;
}

/**
 * Debian's mosquitto on 127.0.0.1 set up as a peer of the local IoT Core: mutual TLS 1.2 with
 * server and client certificates from `ca`, the client certificate's CN as user name. Resolves once
 * it listens. `extraConfig` lines go at the end of mosquitto.conf (written, with the PEM files, in `dir`).
 */
export async function startMosquitto(options: {
  ca: Pick<LocalCa, "certPem" | "issueServerCertificate">;
  dir: string;
  extraConfig?: readonly string[];
  listenTimeoutMs?: number;
}): Promise<MosquittoBroker> {
  const { ca, dir } = options;
  const port = await freePort();
  const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
  const file = (name: string) => path.join(dir, name);
  writeFileSync(file("ca.pem"), ca.certPem);
  writeFileSync(file("server.cert.pem"), server.certPem);
  writeFileSync(file("server.key.pem"), server.keyPem, { mode: 0o600 });
  writeFileSync(
    file("mosquitto.conf"),
    [
      // Started as root, mosquitto would switch to its own user and lose access to these private files.
      `user ${os.userInfo().username}`,
      "per_listener_settings true",
      `listener ${port} 127.0.0.1`,
      `cafile ${file("ca.pem")}`,
      `certfile ${file("server.cert.pem")}`,
      `keyfile ${file("server.key.pem")}`,
      "require_certificate true",
      "use_identity_as_username true",
      "tls_version tlsv1.2",
      "persistence false",
      "log_dest stderr",
      ...(options.extraConfig ?? []),
      "",
    ].join("\n"),
  );
  const broker: ChildProcess = spawn("mosquitto", ["-c", file("mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  broker.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + (options.listenTimeoutMs ?? 10_000);
  while (!/Opening ipv4 listen socket/.test(log)) {
    if (Date.now() > deadline || broker.exitCode !== null) {
      broker.kill();
      throw new Error(`mosquitto did not start listening on 127.0.0.1:${port}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, log: () => log, stop: () => void broker.kill("SIGTERM") };
}
