import type { PrivateKeyParts } from "./PrivateKeyInfo";
import { DerReader, sameBytes, TAG, unsignedInteger } from "./Der";
import { OID, type PublicKeyInfo } from "./X509Certificate";

/**
 * Why the board refuses any key but RSA: the Moddable SDK's TLS signs the client's
 * CertificateVerify with RSA PKCS#1 v1.5 only (modules/crypt/ssl/ssl_handshake.js; an EC key gets
 * "certificateVerify: unimplemented" in the handshake). Said alike by the console and `aqm provision`.
 */
export const RSA_ONLY_REASON =
  "the board's TLS (Moddable SDK) signs with RSA keys only (PKCS#1 v1.5 CertificateVerify): use an RSA 2048 identity, as AWS IoT's CreateKeysAndCertificate and aqm provision issue";

function bigintFromBytes(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * Whether the RSA `key` is the private half of `certificate`'s public key: undefined when it is,
 * else why not. The modulus and exponent must match and the primes must multiply to the modulus.
 */
export function keyMismatch(key: Extract<PrivateKeyParts, { kind: "rsa" }>, certificate: PublicKeyInfo): string | undefined {
  if (certificate.algorithm !== OID.rsaEncryption) return "the key is RSA, the certificate's key is not";
  const reader = new DerReader(certificate.key);
  const publicKey = DerReader.inside(reader.next("RSAPublicKey", TAG.sequence));
  const modulus = unsignedInteger(publicKey.next("RSAPublicKey.modulus", TAG.integer), "RSAPublicKey.modulus");
  const exponent = unsignedInteger(publicKey.next("RSAPublicKey.publicExponent", TAG.integer), "RSAPublicKey.publicExponent");
  if (!sameBytes(modulus, key.modulus) || !sameBytes(exponent, key.publicExponent)) return "the key does not belong to the certificate";
  if (bigintFromBytes(key.prime1) * bigintFromBytes(key.prime2) !== bigintFromBytes(key.modulus))
    return "the key's primes do not make its modulus: the key is damaged";
  return undefined;
}
