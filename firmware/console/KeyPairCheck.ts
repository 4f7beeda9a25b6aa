import { bigintFromBytes, publicPointOf } from "./P256";
import type { PrivateKeyParts } from "./PrivateKeyInfo";
import { DerReader, sameBytes, TAG, unsignedInteger } from "./Der";
import { OID, type PublicKeyInfo } from "./X509Certificate";

/**
 * Whether `key` is the private half of `certificate`'s public key: undefined when it is, else why not.
 * For P-256 the public point is derived from the private scalar (and must also equal any point the
 * key file carries); for RSA the modulus and exponent must match and the primes must multiply to the
 * modulus. Other curves cannot be derived here and are refused rather than stored unchecked.
 */
export function keyMismatch(key: PrivateKeyParts, certificate: PublicKeyInfo): string | undefined {
  if (key.kind === "ec") {
    if (certificate.algorithm !== OID.ecPublicKey) return "the key is EC, the certificate's key is not";
    if (certificate.curve !== key.curve) return `the key is on curve ${key.curve}, the certificate's on ${certificate.curve}`;
    if (key.curve !== OID.prime256v1) return `curve ${key.curve} cannot be checked on the board (only P-256)`;
    const point = publicPointOf(key.scalar);
    if (!point) return "the private scalar is out of range";
    if (key.publicPoint && !sameBytes(key.publicPoint, certificate.key)) return "the public key inside the key file is not the certificate's";
    return pointMatches(certificate.key, point) ? undefined : "the key does not belong to the certificate";
  }
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

/** Compares an SEC 1 encoded point (uncompressed 04‖X‖Y or compressed 02/03‖X) with affine coordinates. */
function pointMatches(encoded: Uint8Array, point: { x: bigint; y: bigint }): boolean {
  const prefix = encoded[0];
  if (prefix === 0x04 && encoded.length === 65) {
    return bigintFromBytes(encoded.subarray(1, 33)) === point.x && bigintFromBytes(encoded.subarray(33)) === point.y;
  }
  if ((prefix === 0x02 || prefix === 0x03) && encoded.length === 33) {
    return bigintFromBytes(encoded.subarray(1)) === point.x && (point.y & 1n) === BigInt(prefix & 1);
  }
  return false;
}
