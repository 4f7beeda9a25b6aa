import { Base64Decoder } from "./Base64Decoder";

/**
 * One PEM block (RFC 7468), taken a line at a time. Steps: `begin` waits for the
 * `-----BEGIN <label>-----` line, `body` decodes base64 lines until the matching END line. Blank
 * lines are ignored; headers (RFC 1421 style) are not PEM as RFC 7468 defines it and are refused.
 */
type PemStep = "begin" | "body";

export type PemProgress =
  | { readonly more: true; readonly bytes: number }
  | { readonly der: Uint8Array; readonly label: string }
  | { readonly error: "pem-armour" | "pem-base64" | "too-large"; readonly message: string };

const BEGIN = "-----BEGIN ";
const END = "-----END ";
const DASHES = "-----";

/** Labels that are not what the board stores, with what to do instead. */
const CONVERT: Readonly<Record<string, string>> = {
  "RSA PRIVATE KEY": "this is a PKCS#1 key; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)",
  "EC PRIVATE KEY": "this is a SEC 1 key; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)",
  "ENCRYPTED PRIVATE KEY": "the key is encrypted; the board needs it unencrypted (openssl pkcs8 -topk8 -nocrypt)",
};

export class PemReceiver {
  readonly #label: string;
  readonly #decoder: Base64Decoder;
  #step: PemStep = "begin";

  /** `label` is the one block type accepted (CERTIFICATE or PRIVATE KEY); `capacity` bounds the DER. */
  constructor(label: string, capacity: number) {
    this.#label = label;
    this.#decoder = new Base64Decoder(capacity);
  }

  push(line: string): PemProgress {
    const text = line.trim();
    if (this.#step === "begin") {
      if (text === "") return { more: true, bytes: 0 };
      const label = armourLabel(text, BEGIN);
      if (label === undefined) return { error: "pem-armour", message: `expected -----BEGIN ${this.#label}-----` };
      if (label !== this.#label) return { error: "pem-armour", message: CONVERT[label] ?? `expected a ${this.#label} block, got ${label}` };
      this.#step = "body";
      return { more: true, bytes: 0 };
    }
    if (text.startsWith(BEGIN)) return { error: "pem-armour", message: "a BEGIN line inside the block (the END line is missing)" };
    if (text.startsWith(END)) {
      const label = armourLabel(text, END);
      if (label !== this.#label) return { error: "pem-armour", message: `expected -----END ${this.#label}-----` };
      const der = this.#decoder.finish();
      if (!der) return { error: "pem-base64", message: this.#decoder.problem };
      if (der.length === 0) return { error: "pem-base64", message: "the block is empty" };
      return { der, label };
    }
    if (text.includes(":")) return { error: "pem-armour", message: "PEM headers are not accepted" };
    if (!this.#decoder.push(text.replace(/ /g, ""))) {
      const problem = this.#decoder.problem;
      return { error: problem.startsWith("decodes to more") ? "too-large" : "pem-base64", message: problem };
    }
    return { more: true, bytes: this.#decoder.length };
  }
}

function armourLabel(text: string, prefix: string): string | undefined {
  if (!text.startsWith(prefix) || !text.endsWith(DASHES) || text.length < prefix.length + DASHES.length + 1) return undefined;
  const label = text.slice(prefix.length, text.length - DASHES.length);
  return /^[A-Z0-9]+( [A-Z0-9]+)*$/.test(label) ? label : undefined;
}
