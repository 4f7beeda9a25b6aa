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

/** An EC P-256 identity from an in-memory local CA, as the local twin issues them. */
export async function ecIdentity(thing: string): Promise<TestIdentity> {
  const ca = await LocalCa.createEphemeral("aqm test CA");
  const issued: IssuedCertificate = await ca.issueDeviceCertificate(thing);
  return { caPem: ca.certPem, caDer: ca.certDer, certPem: issued.certPem, certDer: issued.certDer, keyPem: issued.keyPem, keyDer: issued.keyDer };
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

/** An EC P-256 PKCS#8 key rebuilt without its optional public key, so the board must derive the point from the scalar. */
export function withoutPublicKey(keyDer: Uint8Array): Uint8Array {
  // WebCrypto's P-256 PKCS#8 has a fixed layout; the 32-byte scalar follows "04 20" inside the ECPrivateKey.
  const at = Buffer.from(keyDer).indexOf(Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20])) + 5;
  const scalar = keyDer.subarray(at, at + 32);
  const ecPrivateKey = [0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20, ...scalar];
  const algorithm = [0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
  const body = [0x02, 0x01, 0x00, ...algorithm, 0x04, ecPrivateKey.length, ...ecPrivateKey];
  return Uint8Array.from([0x30, body.length, ...body]);
}
