import { bitStringBytes, contents, DerError, DerReader, oidText, TAG, unsignedInteger } from "./Der";
import { OID, readKeyAlgorithm } from "./X509Certificate";

/** The parts of a private key the console compares with a certificate's public key. */
export type PrivateKeyParts =
  | { readonly kind: "ec"; readonly curve: string; readonly scalar: Uint8Array; readonly publicPoint: Uint8Array | undefined }
  | { readonly kind: "rsa"; readonly modulus: Uint8Array; readonly publicExponent: Uint8Array; readonly prime1: Uint8Array; readonly prime2: Uint8Array };

const EXPLICIT_0 = 0xa0;
const EXPLICIT_1 = 0xa1;
const IMPLICIT_0 = 0xa0;
const IMPLICIT_1 = 0x81;

/**
 * Checks that `der` is a PKCS#8 PrivateKeyInfo (RFC 5208; OneAsymmetricKey of RFC 5958) holding an
 * EC (RFC 5915) or RSA (RFC 8017) key, and reads its parts. An EC key is read only to be refused
 * by name: the board's TLS signs with RSA only (KeyPairCheck's RSA_ONLY_REASON).
 */
export function readPrivateKey(der: Uint8Array): PrivateKeyParts {
  const reader = DerReader.insideSequence(der, "PrivateKeyInfo");
  const version = unsignedInteger(reader.next("version", TAG.integer), "version");
  if (version.length !== 1 || version[0]! > 1) throw new DerError("version: expected 0 or 1");
  const { oid, curve } = readKeyAlgorithm(reader, "privateKeyAlgorithm");
  const privateKey = reader.next("privateKey", TAG.octetString);
  reader.optional("attributes", IMPLICIT_0);
  reader.optional("publicKey", IMPLICIT_1);
  reader.finish("PrivateKeyInfo");

  if (oid === OID.ecPublicKey) return readEcKey(contents(privateKey), curve!);
  if (oid === OID.rsaEncryption) return readRsaKey(contents(privateKey));
  throw new DerError(`privateKeyAlgorithm: ${oid} is neither EC nor RSA`);
}

function readEcKey(der: Uint8Array, curve: string): PrivateKeyParts {
  const reader = DerReader.insideSequence(der, "ECPrivateKey");
  const version = unsignedInteger(reader.next("ECPrivateKey.version", TAG.integer), "ECPrivateKey.version");
  if (version.length !== 1 || version[0] !== 1) throw new DerError("ECPrivateKey.version: expected 1");
  const scalar = contents(reader.next("ECPrivateKey.privateKey", TAG.octetString));
  const parameters = reader.optional("ECPrivateKey.parameters", EXPLICIT_0);
  if (parameters) {
    // EXPLICIT [0] and [1] each wrap exactly one value; mbedTLS refuses anything after it (LENGTH_MISMATCH).
    const wrapped = DerReader.inside(parameters);
    const named = oidText(wrapped.next("ECPrivateKey.parameters", TAG.oid), "ECPrivateKey.parameters");
    wrapped.finish("ECPrivateKey.parameters");
    if (named !== curve) throw new DerError(`ECPrivateKey.parameters: curve ${named} differs from the algorithm's ${curve}`);
  }
  const publicKey = reader.optional("ECPrivateKey.publicKey", EXPLICIT_1);
  reader.finish("ECPrivateKey");
  let publicPoint: Uint8Array | undefined;
  if (publicKey) {
    const wrapped = DerReader.inside(publicKey);
    publicPoint = bitStringBytes(wrapped.next("ECPrivateKey.publicKey", TAG.bitString), "ECPrivateKey.publicKey");
    wrapped.finish("ECPrivateKey.publicKey");
  }
  return { kind: "ec", curve, scalar, publicPoint };
}

function readRsaKey(der: Uint8Array): PrivateKeyParts {
  const reader = DerReader.insideSequence(der, "RSAPrivateKey");
  reader.next("RSAPrivateKey.version", TAG.integer);
  const modulus = unsignedInteger(reader.next("modulus", TAG.integer), "modulus");
  const publicExponent = unsignedInteger(reader.next("publicExponent", TAG.integer), "publicExponent");
  reader.next("privateExponent", TAG.integer);
  const prime1 = unsignedInteger(reader.next("prime1", TAG.integer), "prime1");
  const prime2 = unsignedInteger(reader.next("prime2", TAG.integer), "prime2");
  reader.next("exponent1", TAG.integer);
  reader.next("exponent2", TAG.integer);
  reader.next("coefficient", TAG.integer);
  // Multi-prime keys (version 1) carry otherPrimeInfos here; mbedTLS refuses them, so the console does too.
  reader.finish("RSAPrivateKey");
  return { kind: "rsa", modulus, publicExponent, prime1, prime2 };
}
