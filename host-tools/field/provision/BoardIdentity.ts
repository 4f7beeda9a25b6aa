import { createPrivateKey, X509Certificate } from "node:crypto";
import { RSA_ONLY_REASON } from "../../../firmware/console/KeyPairCheck.ts";

/** Everything a board needs to sign in: what `aqm provision` installs over the serial console. */
export interface BoardIdentity {
  readonly thing: string;
  /** The CA certificate the board trusts for the broker's certificate. */
  readonly caPem: string;
  readonly certPem: string;
  /** PKCS#8 (`-----BEGIN PRIVATE KEY-----`), the form the board stores. */
  readonly keyPem: string;
  /** The broker the identity is for: the local IoT Core, or the account's IoT data endpoint. */
  readonly endpoint: string;
  readonly port?: number;
}

/** Any PEM private key (PKCS#1 as AWS returns it, SEC 1, PKCS#8) as unencrypted PKCS#8 PEM. */
export function pkcs8Pem(keyPem: string): string {
  return createPrivateKey(keyPem).export({ type: "pkcs8", format: "pem" }).toString();
}

/** Checks on the host what the board will check, so a bad identity is caught before the board is touched. */
export function checkIdentity(identity: BoardIdentity): void {
  const certificate = new X509Certificate(identity.certPem);
  new X509Certificate(identity.caPem);
  const key = createPrivateKey(identity.keyPem);
  if (key.asymmetricKeyType !== "rsa")
    throw new Error(`the key for ${identity.thing} is ${String(key.asymmetricKeyType).toUpperCase()}, not RSA: ${RSA_ONLY_REASON}`);
  if (certificate.publicKey.asymmetricKeyType !== "rsa")
    throw new Error(
      `the certificate for ${identity.thing} holds a ${String(certificate.publicKey.asymmetricKeyType).toUpperCase()} key, not RSA: ${RSA_ONLY_REASON}`,
    );
  if (!certificate.checkPrivateKey(key)) throw new Error(`the key for ${identity.thing} does not match its certificate`);
}
