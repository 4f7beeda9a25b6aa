// @peculiar/x509 uses tsyringe, which needs the Reflect metadata API loaded before it.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createPrivateKey, X509Certificate, webcrypto } from "node:crypto";
import { checkThingName } from "../../../firmware/session/ThingName.ts";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * RSA 2048 with SHA-256 for every key the CA makes, its own, the broker's and each board's: AWS
 * IoT Core's CreateKeysAndCertificate issues RSA 2048, the Moddable SDK's TLS signs a client's
 * CertificateVerify with RSA PKCS#1 v1.5 only (modules/crypt/ssl/ssl_handshake.js; an EC key gets
 * "certificateVerify: unimplemented"), and its cipher suites (ECDHE_RSA, DHE_RSA, RSA) need an RSA
 * server certificate.
 */
const ALGORITHM = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const DAY_MS = 86_400_000;

export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certDer: Uint8Array;
  /** PKCS#8, as Moddable's SecureSocket takes a client key. */
  readonly keyDer: Uint8Array;
}

export interface Validity {
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

function keyToPem(der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function exportKey(key: CryptoKey): Promise<{ pem: string; der: Uint8Array }> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return { pem: keyToPem(der), der: new Uint8Array(der) };
}

/** "rsa", "ec", …: the type of a PEM private key, or undefined when it cannot be read. */
function keyTypeOf(keyPem: string): string | undefined {
  try {
    return createPrivateKey(keyPem).asymmetricKeyType;
  } catch {
    return undefined;
  }
}

function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  return Buffer.from(bytes).toString("hex");
}

/**
 * The local twin's certificate authority: it signs the local IoT Core's server certificate and
 * every simulated board's client certificate, as AWS IoT Core's CA and a registered CA do in the
 * cloud. Created in the state folder on first run and reused after, so board identities stay valid.
 */
export class LocalCa {
  readonly #certificate: x509.X509Certificate;
  readonly #key: CryptoKey;

  private constructor(certificate: x509.X509Certificate, key: CryptoKey) {
    this.#certificate = certificate;
    this.#key = key;
  }

  static async openOrCreate(stateDir: string): Promise<LocalCa> {
    const dir = path.join(stateDir, "ca");
    const certFile = path.join(dir, "ca.cert.pem");
    const keyFile = path.join(dir, "ca.key.pem");
    const found = [certFile, keyFile].filter((file) => existsSync(file));
    if (found.length === 2) {
      try {
        const certificate = new x509.X509Certificate(readFileSync(certFile, "utf8"));
        const keyDer = x509.PemConverter.decodeFirst(readFileSync(keyFile, "utf8"));
        const key = (await webcrypto.subtle.importKey("pkcs8", keyDer, ALGORITHM, true, ["sign"])) as CryptoKey;
        return new LocalCa(certificate, key);
      } catch (error) {
        const type = keyTypeOf(readFileSync(keyFile, "utf8"));
        const why = type && type !== "rsa" ? `its key is ${type.toUpperCase()}, and board identities are RSA 2048 now` : (error as Error).message;
        throw new Error(
          `cannot read the local CA in ${dir} (${why}); restore ca.cert.pem and ca.key.pem, or delete ${dir} to create a new CA and new board identities`,
        );
      }
    }
    // Half a CA cannot sign anything, and replacing it would silently invalidate every board identity.
    if (found.length === 1) {
      const missing = found[0] === certFile ? keyFile : certFile;
      throw new Error(`the local CA in ${dir} is incomplete: ${missing} is missing; restore it, or delete ${dir} to create a new CA and new board identities`);
    }
    const ca = await LocalCa.createEphemeral("aqm local CA");
    // Written whole in a folder beside it and renamed into place, so a crash never leaves half a CA.
    const staging = `${dir}.creating`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true, mode: 0o700 });
    chmodSync(staging, 0o700);
    writeFileSync(path.join(staging, path.basename(keyFile)), (await exportKey(ca.#key)).pem, { mode: 0o600 });
    writeFileSync(path.join(staging, path.basename(certFile)), ca.certPem);
    renameSync(staging, dir);
    return ca;
  }

  /** A CA kept only in memory: for tests, and to stand for "some other CA" the broker must not trust. */
  static async createEphemeral(name: string): Promise<LocalCa> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `CN=${name}, O=aqm`,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 10 * 365 * DAY_MS),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new LocalCa(certificate, keys.privateKey);
  }

  get certPem(): string {
    return this.#certificate.toString("pem");
  }

  get certDer(): Uint8Array {
    return new Uint8Array(this.#certificate.rawData);
  }

  issueServerCertificate(names: { hostnames: readonly string[]; ips: readonly string[] }): Promise<IssuedCertificate> {
    const altNames = [...names.hostnames.map((value) => ({ type: "dns" as const, value })), ...names.ips.map((value) => ({ type: "ip" as const, value }))];
    return this.#issue(names.hostnames[0] ?? names.ips[0] ?? "aqm", [
      new x509.SubjectAlternativeNameExtension(altNames),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ]);
  }

  /** A board's client certificate: subject CN = thing name, as the IoT Core's policy variables expect. */
  async issueDeviceCertificate(thing: string, validity: Validity = {}): Promise<IssuedCertificate> {
    checkThingName(thing);
    return this.#issue(thing, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])], validity);
  }

  /**
   * The board's identity from `<stateDir>/things/<thing>/`, issued on first use and reused after.
   * A stored identity this CA would refuse (another CA's, expired, or with a key that does not
   * match) is replaced, so a rerun never starts a board that cannot connect.
   */
  async deviceIdentity(stateDir: string, thing: string): Promise<IssuedCertificate> {
    checkThingName(thing);
    const dir = path.join(stateDir, "things", thing);
    const certFile = path.join(dir, "cert.pem");
    const keyFile = path.join(dir, "key.pem");
    if (existsSync(certFile) && existsSync(keyFile)) {
      const stored = this.#usable(readFileSync(certFile, "utf8"), readFileSync(keyFile, "utf8"));
      if (stored) return stored;
    }
    const issued = await this.issueDeviceCertificate(thing);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    writeFileSync(keyFile, issued.keyPem, { mode: 0o600 });
    writeFileSync(certFile, issued.certPem);
    return issued;
  }

  #usable(certPem: string, keyPem: string): IssuedCertificate | undefined {
    try {
      const certificate = new X509Certificate(certPem);
      const now = Date.now();
      const current = Date.parse(certificate.validFrom) <= now && now < Date.parse(certificate.validTo);
      const ca = new X509Certificate(this.certPem);
      const ours = certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
      // An EC identity from before identities were RSA cannot sign in with the SDK's TLS: it is replaced.
      if (!current || !ours || keyTypeOf(keyPem) !== "rsa" || !certificate.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
      return { certPem, keyPem, certDer: new Uint8Array(certificate.raw), keyDer: new Uint8Array(x509.PemConverter.decodeFirst(keyPem)) };
    } catch {
      // Unreadable files are replaced like any other identity this CA would refuse.
      return undefined;
    }
  }

  async #issue(commonName: string, extensions: x509.Extension[], validity: Validity = {}): Promise<IssuedCertificate> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${commonName}`,
      issuer: this.#certificate.subject,
      notBefore: validity.notBefore ?? new Date(now - DAY_MS),
      notAfter: validity.notAfter ?? new Date(now + 2 * 365 * DAY_MS),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: this.#key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        ...extensions,
        await x509.AuthorityKeyIdentifierExtension.create(this.#certificate),
      ],
    });
    const key = await exportKey(keys.privateKey);
    return { certPem: certificate.toString("pem"), keyPem: key.pem, certDer: new Uint8Array(certificate.rawData), keyDer: key.der };
  }
}
