import { firmwareModulesBundle } from "../../../host-tools/board-sim/platform/FirmwareBundle.ts";
import { startXsWorker } from "../../../host-tools/board-sim/xs/XsWorker.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const CONSOLE_GLOBAL = "aqmConsole";

interface Pair {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certLength: number;
  readonly keyDer: number[];
}

/**
 * Test identities made in a child process: @peculiar/x509 needs reflect-metadata, which extends
 * Reflect, and the lockdown xsnap's host side runs under (@endo/init) forbids that.
 */
function identities(): { board: Pair; other: Pair; rsa: Pair } {
  const module = new URL("./identities.ts", import.meta.url).href;
  const script = `
    import { localIdentity, rsaIdentity } from ${JSON.stringify(module)};
    const pair = (id) => ({ certPem: id.certPem, keyPem: id.keyPem, certLength: id.certDer.length, keyDer: Array.from(id.keyDer) });
    const [board, other, rsa] = await Promise.all([localIdentity("aqm-xs-001"), localIdentity("aqm-xs-001"), rsaIdentity("aqm-xs-002")]);
    process.stdout.write(JSON.stringify({ board: pair(board), other: pair(other), rsa: pair(rsa) }));`;
  return JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" })) as {
    board: Pair;
    other: Pair;
    rsa: Pair;
  };
}

/** The console's modules alone, for the real XS engine. */
function consoleBundle(): Promise<string> {
  return firmwareModulesBundle(
    `export { SerialConsole } from "./SerialConsole";`,
    fileURLToPath(new URL("../../../firmware/console/", import.meta.url)),
    CONSOLE_GLOBAL,
  );
}

/** Runs `input` through the console on XS, byte by byte in 5-byte chunks; returns its replies and what it stored. */
async function onXs(input: string): Promise<{ replies: string[]; stored: Record<string, number[]> }> {
  const messages: string[] = [];
  const worker = await startXsWorker("aqm-console", async (message: Uint8Array) => {
    messages.push(new TextDecoder().decode(message));
    return new Uint8Array(0);
  });
  try {
    await worker.evaluate(await consoleBundle());
    await worker.evaluate(`
      const store = new Map();
      const replies = [];
      const board = new ${CONSOLE_GLOBAL}.SerialConsole({
        write: (text) => replies.push(text.trim()),
        log: { event() {} },
        preferences: {
          get: (domain, key) => store.get(domain + "/" + key),
          set: (domain, key, value) => store.set(domain + "/" + key, value),
          delete: (domain, key) => store.delete(domain + "/" + key),
        },
        timer: { set: () => 0, clear: () => {} },
        versions: { firmware: "xs" },
      });
      const input = ${JSON.stringify(input)};
      for (let at = 0; at < input.length; at += 5) {
        const chunk = new Uint8Array(Math.min(5, input.length - at));
        for (let i = 0; i < chunk.length; i++) chunk[i] = input.charCodeAt(at + i);
        board.receive(chunk);
      }
      const stored = {};
      for (const [name, value] of store) stored[name] = value instanceof ArrayBuffer ? Array.from(new Uint8Array(value)) : value;
      const text = JSON.stringify({ replies, stored });
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      issueCommand(bytes.buffer);
    `);
    return JSON.parse(messages.at(-1) ?? "{}") as { replies: string[]; stored: Record<string, number[]> };
  } finally {
    await worker.close().catch(() => undefined);
  }
}

test("on the real XS engine, the console takes PEM in small chunks, checks an RSA key against its certificate, and refuses a key that does not match", async () => {
  const { board, other, rsa } = identities();
  const block = (text: string): string => `${text.trim()}\n`;
  const run = await onXs(`tls cert\n${block(board.certPem)}tls key\n${block(other.keyPem)}tls key\n${block(board.keyPem)}status\n`);
  const finals = run.replies.filter((reply) => !reply.startsWith("OK pem") && !/ ready /.test(reply));
  assert.deepEqual(finals, [
    `OK tls cert held bytes=${board.certLength} subject=aqm-xs-001 next="tls key"`,
    "ERR key-mismatch the key does not belong to the certificate; nothing was stored",
    `OK tls key stored bytes=${board.keyDer.length} cert=stored restart=required`,
    `OK status thing=- endpoint=- port=- wifi.ssid=- wifi.password=none tls.ca=0 tls.cert=${board.certLength} tls.key=${board.keyDer.length}`,
  ]);
  assert.deepEqual(run.stored["tls/key"], board.keyDer);
  const rsaRun = await onXs(`tls cert\n${block(rsa.certPem)}tls key\n${block(rsa.keyPem)}`);
  assert.equal(rsaRun.replies.at(-1), `OK tls key stored bytes=${rsa.keyDer.length} cert=stored restart=required`);
});
