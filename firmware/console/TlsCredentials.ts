import { writeTogether, type ConsolePreferences, type PreferenceChange } from "./ConsolePreferences";
import { DerError } from "./Der";
import { keyMismatch, RSA_ONLY_REASON } from "./KeyPairCheck";
import { readPrivateKey } from "./PrivateKeyInfo";
import { OID, readCertificate, type CertificateSummary } from "./X509Certificate";

export type TlsSlot = "ca" | "cert" | "key";

/** Where the board reads its identity at boot (firmware/main.ts): DER, in domain `tls`. */
const DOMAIN = "tls";
/** The largest value NVS keeps under one key. */
export const MAX_DER_BYTES = 4000;

export const PEM_LABEL: Readonly<Record<TlsSlot, string>> = { ca: "CERTIFICATE", cert: "CERTIFICATE", key: "PRIVATE KEY" };

export type TlsOutcome =
  | { readonly stored: TlsSlot; readonly bytes: number; readonly subject?: string | undefined; readonly withCertificate?: boolean }
  | { readonly held: "cert"; readonly bytes: number; readonly subject: string | undefined }
  | { readonly error: "der" | "no-certificate" | "key-type" | "key-mismatch" | "storage"; readonly message: string };

/**
 * The board's TLS identity: the CA certificate it trusts, its client certificate, its PKCS#8 key.
 * Each arrives checked, and a key is stored only if it belongs to the client certificate. A new
 * client certificate that the stored key does not fit is held in RAM until its key arrives, and
 * the two are stored together: the board never keeps a certificate and a key that do not match.
 */
export class TlsCredentials {
  readonly #preferences: ConsolePreferences;
  #pending: { readonly der: Uint8Array; readonly summary: CertificateSummary } | undefined;

  constructor(preferences: ConsolePreferences) {
    this.#preferences = preferences;
  }

  /** A client certificate waits for its key. */
  get waitingForKey(): boolean {
    return this.#pending !== undefined;
  }

  /** Bytes stored in each slot, 0 when empty. */
  storedBytes(slot: TlsSlot): number {
    return this.#stored(slot)?.length ?? 0;
  }

  /** Forgets a held certificate (factory reset). */
  dropPending(): void {
    this.#pending = undefined;
  }

  install(slot: TlsSlot, der: Uint8Array): TlsOutcome {
    try {
      if (slot === "key") return this.#installKey(der);
      const summary = readCertificate(der);
      if (slot === "ca") return this.#write([change("ca", der)], { stored: "ca", bytes: der.length, subject: summary.subjectCommonName });
      if (summary.publicKey.algorithm !== OID.rsaEncryption) return { error: "key-type", message: `the certificate's key is not RSA: ${RSA_ONLY_REASON}` };
      const key = this.#stored("key");
      if (key && fits(key, summary)) {
        this.#pending = undefined;
        return this.#write([change("cert", der)], { stored: "cert", bytes: der.length, subject: summary.subjectCommonName });
      }
      this.#pending = { der: der.slice(), summary };
      return { held: "cert", bytes: der.length, subject: summary.subjectCommonName };
    } catch (error) {
      if (error instanceof DerError)
        return { error: "der", message: `not a valid ${slot === "key" ? "PKCS#8 private key" : "X.509 certificate"}: ${error.message}` };
      throw error;
    }
  }

  #installKey(der: Uint8Array): TlsOutcome {
    const key = readPrivateKey(der);
    if (key.kind !== "rsa") return { error: "key-type", message: `the key is EC: ${RSA_ONLY_REASON}` };
    let certificate = this.#pending?.summary;
    if (!certificate) {
      const stored = this.#stored("cert");
      if (!stored) return { error: "no-certificate", message: "install the client certificate (tls cert) before its key" };
      try {
        certificate = readCertificate(stored);
      } catch (error) {
        if (error instanceof DerError)
          return { error: "no-certificate", message: "the stored client certificate is damaged; install it again (tls cert) before its key" };
        throw error;
      }
    }
    const mismatch = keyMismatch(key, certificate.publicKey);
    if (mismatch) return { error: "key-mismatch", message: mismatch };
    const pending = this.#pending;
    const changes = pending ? [change("cert", pending.der), change("key", der)] : [change("key", der)];
    const outcome = this.#write(changes, { stored: "key", bytes: der.length, withCertificate: pending !== undefined });
    if ("stored" in outcome) this.#pending = undefined;
    return outcome;
  }

  #write(changes: readonly PreferenceChange[], outcome: TlsOutcome): TlsOutcome {
    try {
      writeTogether(this.#preferences, changes);
    } catch (error) {
      return { error: "storage", message: `preferences refused the write (${error instanceof Error ? error.message : String(error)}); nothing was changed` };
    }
    return outcome;
  }

  #stored(slot: TlsSlot): Uint8Array | undefined {
    const value = this.#preferences.get(DOMAIN, slot);
    return value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
  }
}

function change(slot: TlsSlot, der: Uint8Array): PreferenceChange {
  return { domain: DOMAIN, key: slot, value: der.slice().buffer };
}

function fits(keyDer: Uint8Array, certificate: CertificateSummary): boolean {
  try {
    const key = readPrivateKey(keyDer);
    return key.kind === "rsa" && keyMismatch(key, certificate.publicKey) === undefined;
  } catch (error) {
    if (error instanceof DerError) return false;
    throw error;
  }
}
