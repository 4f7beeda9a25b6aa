import { bitStringBytes, contents, DerError, DerReader, oidText, TAG, type DerNode } from "./Der";

export const OID = {
  ecPublicKey: "1.2.840.10045.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  prime256v1: "1.2.840.10045.3.1.7",
  commonName: "2.5.4.3",
} as const;

/** A subject public key as a certificate carries it. */
export interface PublicKeyInfo {
  readonly algorithm: string;
  /** The named curve of an EC key; undefined for other algorithms. */
  readonly curve: string | undefined;
  /** The BIT STRING's bytes: an uncompressed EC point, or the DER RSAPublicKey. */
  readonly key: Uint8Array;
}

export interface CertificateSummary {
  readonly subjectCommonName: string | undefined;
  readonly publicKey: PublicKeyInfo;
}

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const EXPLICIT_0 = 0xa0;

/**
 * Checks that `der` is an X.509 certificate at the ASN.1 level (RFC 5280 §4.1: every field of
 * TBSCertificate in order, nothing after the signature) and reads what the console reports and
 * the key check needs. The signature is not verified: the board has no verifier outside TLS, and
 * the broker's handshake checks the chain anyway.
 */
export function readCertificate(der: Uint8Array): CertificateSummary {
  const fields = DerReader.insideSequence(der, "Certificate");
  const tbs = fields.next("tbsCertificate", TAG.sequence);
  fields.next("signatureAlgorithm", TAG.sequence);
  fields.next("signatureValue", TAG.bitString);
  fields.finish("Certificate");

  const reader = DerReader.inside(tbs);
  const version = reader.optional("version", EXPLICIT_0);
  if (version) {
    // EXPLICIT [0] wraps exactly one INTEGER; mbedTLS refuses anything after it (INVALID_VERSION).
    const wrapped = DerReader.inside(version);
    wrapped.next("version", TAG.integer);
    wrapped.finish("version");
  }
  reader.next("serialNumber", TAG.integer);
  reader.next("signature", TAG.sequence);
  reader.next("issuer", TAG.sequence);
  const validity = DerReader.inside(reader.next("validity", TAG.sequence));
  time(validity.next("notBefore"), "notBefore");
  time(validity.next("notAfter"), "notAfter");
  validity.finish("validity");
  const subject = reader.next("subject", TAG.sequence);
  const publicKey = readPublicKeyInfo(reader.next("subjectPublicKeyInfo", TAG.sequence));
  // issuerUniqueID, subjectUniqueID and extensions follow as context-tagged fields; their contents are not needed.
  while (!reader.done) {
    const tag = reader.peekTag()!;
    if ((tag & 0xc0) !== 0x80) throw new DerError(`tbsCertificate: unexpected tag 0x${tag.toString(16)} after subjectPublicKeyInfo`);
    reader.next("tbsCertificate extension field");
  }
  return { subjectCommonName: commonName(subject), publicKey };
}

/**
 * A key's AlgorithmIdentifier (RFC 5280 §4.1.1.2), as a certificate and a PKCS#8 key both carry
 * it: the algorithm's OID, and for EC the named curve (RSA has NULL parameters).
 */
export function readKeyAlgorithm(reader: DerReader, what: string): { readonly oid: string; readonly curve: string | undefined } {
  const algorithm = DerReader.inside(reader.next(what, TAG.sequence));
  const oid = oidText(algorithm.next(`${what}.oid`, TAG.oid), what);
  let curve: string | undefined;
  if (oid === OID.ecPublicKey) curve = oidText(algorithm.next("EC curve", TAG.oid), "EC curve");
  else algorithm.optional("algorithm parameters", TAG.null);
  algorithm.finish(what);
  return { oid, curve };
}

function readPublicKeyInfo(node: DerNode): PublicKeyInfo {
  const reader = DerReader.inside(node);
  const { oid, curve } = readKeyAlgorithm(reader, "subjectPublicKeyInfo.algorithm");
  const key = bitStringBytes(reader.next("subjectPublicKey", TAG.bitString), "subjectPublicKey");
  reader.finish("subjectPublicKeyInfo");
  return { algorithm: oid, curve, key };
}

function time(node: DerNode, what: string): void {
  if (node.tag !== UTC_TIME && node.tag !== GENERALIZED_TIME) throw new DerError(`${what}: not a UTCTime or GeneralizedTime`);
  ascii(contents(node), what);
}

function commonName(subject: DerNode): string | undefined {
  const names = DerReader.inside(subject);
  while (!names.done) {
    const set = DerReader.inside(names.next("subject RDN", TAG.set));
    while (!set.done) {
      const pair = DerReader.inside(set.next("subject attribute", TAG.sequence));
      const type = oidText(pair.next("attribute type", TAG.oid), "attribute type");
      const value = pair.next("attribute value");
      // AttributeTypeAndValue is exactly a type and a value; mbedTLS refuses a third element (INVALID_NAME).
      pair.finish("subject attribute");
      if (type === OID.commonName) return ascii(contents(value), "commonName");
    }
  }
  return undefined;
}

/** Printable ASCII only: anything the console echoes must stay one clean line. */
function ascii(bytes: Uint8Array, what: string): string {
  let text = "";
  for (const byte of bytes) {
    if (byte < 0x20 || byte > 0x7e) throw new DerError(`${what}: not printable ASCII`);
    text += String.fromCharCode(byte);
  }
  return text;
}
