import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { LocalCa, type IssuedCertificate } from "../../../host-tools/local-cloud/iot-core/LocalCa.ts";

export interface TestIdentity {
  readonly caPem: string;
  readonly caDer: Uint8Array;
  readonly certPem: string;
  readonly certDer: Uint8Array;
  readonly keyPem: string;
  readonly keyDer: Uint8Array;
}

/** An RSA 2048 identity from an in-memory local CA, as the local twin issues them. */
export async function localIdentity(thing: string): Promise<TestIdentity> {
  const ca = await LocalCa.createEphemeral("aqm test CA");
  const issued: IssuedCertificate = await ca.issueDeviceCertificate(thing);
  return { caPem: ca.certPem, caDer: ca.certDer, certPem: issued.certPem, certDer: issued.certDer, keyPem: issued.keyPem, keyDer: issued.keyDer };
}

const P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A self-signed EC P-256 certificate and its PKCS#8 key: what the board refuses, as its TLS signs with RSA only. */
export async function ecIdentity(thing: string): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(P256, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "02",
    name: `CN=${thing}`,
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    notAfter: new Date(Date.UTC(2036, 0, 1)),
    signingAlgorithm: P256,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"],
  });
  const keyDer = new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { certPem: certificate.toString("pem"), keyPem: x509.PemConverter.encode(keyDer.buffer as ArrayBuffer, "PRIVATE KEY") };
}

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

/** A self-signed RSA-2048 certificate and its PKCS#8 key: the kind AWS IoT's CreateKeysAndCertificate hands out. */
export async function rsaIdentity(thing: string): Promise<{ certPem: string; certDer: Uint8Array; keyPem: string; keyDer: Uint8Array; pkcs1Pem: string }> {
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${thing}`,
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    notAfter: new Date(Date.UTC(2036, 0, 1)),
    signingAlgorithm: RSA,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"],
  });
  const keyDer = new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const { createPrivateKey } = await import("node:crypto");
  const pkcs1Pem = createPrivateKey({ key: Buffer.from(keyDer), format: "der", type: "pkcs8" })
    .export({ type: "pkcs1", format: "pem" })
    .toString();
  return {
    certPem: certificate.toString("pem"),
    certDer: new Uint8Array(certificate.rawData),
    keyPem: x509.PemConverter.encode(keyDer.buffer as ArrayBuffer, "PRIVATE KEY"),
    keyDer,
    pkcs1Pem,
  };
}

/** DER as PEM with 64-character lines. */
export function pem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
