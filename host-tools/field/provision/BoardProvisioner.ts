import { checkIdentity, type BoardIdentity } from "./BoardIdentity.ts";
import type { ConsoleClient } from "./ConsoleClient.ts";

export interface WifiSettings {
  readonly ssid: string;
  readonly password: string;
}

/** What the board reported after the install, from its `status` reply. */
export type ConsoleStatus = Readonly<Record<string, string>>;

export interface InstallOptions {
  readonly wifi?: WifiSettings;
  readonly onStep?: (step: string, index: number, total: number) => void;
}

/**
 * Installs an identity on a board through its serial console: thing name, endpoint, optionally
 * Wi-Fi, then the CA, the client certificate and its key as PEM, and reads `status` back to check
 * the board holds exactly what was sent. The board checks each part itself and refuses what is
 * wrong (ConsoleRefused), keeping what it had.
 */
export async function installIdentity(client: ConsoleClient, identity: BoardIdentity, options: InstallOptions = {}): Promise<ConsoleStatus> {
  checkIdentity(identity);
  return sendIdentity(client, identity, options);
}

/**
 * installIdentity without the host's check first, so the board alone judges what it is sent: for
 * the hardware-in-the-loop harness, where the board's own checks are what is under test.
 */
export async function sendIdentity(client: ConsoleClient, identity: BoardIdentity, options: InstallOptions = {}): Promise<ConsoleStatus> {
  const steps: [string, () => Promise<unknown>][] = [
    ["console handshake", () => client.handshake()],
    [`thing ${identity.thing}`, () => client.command(`thing ${identity.thing}`)],
    [
      `endpoint ${identity.endpoint}`,
      () => client.command(identity.port === undefined ? `endpoint ${identity.endpoint}` : `endpoint ${identity.endpoint} ${identity.port}`),
    ],
  ];
  const wifi = options.wifi;
  // The command carries the password, so it is never what an error or a progress line shows.
  if (wifi) steps.push([`Wi-Fi ${wifi.ssid}`, () => client.command(`wifi ${quoted(wifi.ssid)} ${quoted(wifi.password)}`, "wifi")]);
  steps.push(
    ["CA certificate", () => client.installPem("ca", identity.caPem)],
    ["client certificate", () => client.installPem("cert", identity.certPem)],
    ["private key", () => client.installPem("key", identity.keyPem)],
  );
  let index = 0;
  for (const [name, run] of steps) {
    options.onStep?.(name, ++index, steps.length + 1);
    await run();
  }
  options.onStep?.("status", ++index, steps.length + 1);
  const status = parseFields(await client.command("status"));
  const expected: Record<string, string> = {
    thing: identity.thing,
    endpoint: identity.endpoint,
    "tls.ca": String(pemDer(identity.caPem).length),
    "tls.cert": String(pemDer(identity.certPem).length),
    "tls.key": String(pemDer(identity.keyPem).length),
  };
  const wrong = Object.keys(expected).filter((key) => status[key] !== expected[key]);
  if (wrong.length > 0)
    throw new Error(
      `the board's status does not show what was installed: ${wrong.map((key) => `${key}=${status[key] ?? "?"} (expected ${key === "tls.key" ? "its length" : expected[key]})`).join(", ")}`,
    );
  return status;
}

/** A console word: quoted, with `"` and `\` escaped, when it has a space or is empty. */
function quoted(word: string): string {
  if (!/^[\x20-\x7e]*$/.test(word)) throw new Error("the console takes printable ASCII only");
  return word !== "" && /^[^\s"\\]+$/.test(word) ? word : `"${word.replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}

/** `key=value` fields of a reply (values quoted as the console quotes them). */
export function parseFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of text.matchAll(/(\S+?)=("((?:[^"\\]|\\.)*)"|\S*)/g)) {
    fields[match[1]!] = match[3] !== undefined ? match[3].replace(/\\(["\\])/g, "$1") : match[2]!;
  }
  return fields;
}

function pemDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, "").replace(/\s+/g, "");
  return new Uint8Array(Buffer.from(body, "base64"));
}
