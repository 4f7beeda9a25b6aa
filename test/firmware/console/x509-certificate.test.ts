import assert from "node:assert/strict";
import { createPublicKey, X509Certificate } from "node:crypto";
import { before, test } from "node:test";
import fc from "fast-check";
import { DerError } from "../../../firmware/console/Der";
import { OID, readCertificate } from "../../../firmware/console/X509Certificate";
import { ecIdentity, localIdentity, type TestIdentity } from "./identities.ts";
import { assertEveryTruncationRefused, parseTrees, refuses, tlv, type DerTree } from "./derVectors.ts";

const ascii = (text: string): number[] => [...text].map((character) => character.charCodeAt(0));

/**
 * The fields of a minimal certificate, each small enough that every length is one byte. The
 * reader does not look inside signature, issuer or signatureAlgorithm, nor check the key's size,
 * so those stay as small as the syntax allows.
 */
// prettier-ignore
const PART = {
  version: [
    0xa0, 0x03,       // [0] EXPLICIT, 3 bytes
    0x02, 0x01, 0x02, //   INTEGER 2: v3
  ],
  serialNumber: [0x02, 0x01, 0x01], // INTEGER, 1 byte: 1
  signature: [
    0x30, 0x0a, // SEQUENCE, 10 bytes: AlgorithmIdentifier
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, // OID, 8 bytes: 1.2.840.10045.4.3.2 ecdsa-with-SHA256
  ],
  issuer: [0x30, 0x00], // SEQUENCE, empty: a Name with no RDNs
  validity: [
    0x30, 0x1e,                            // SEQUENCE, 30 bytes
    0x17, 0x0d, ...ascii("260101000000Z"), //   UTCTime, 13 bytes: notBefore
    0x17, 0x0d, ...ascii("360101000000Z"), //   UTCTime, 13 bytes: notAfter
  ],
  subject: [
    0x30, 0x0f,                         // SEQUENCE, 15 bytes: Name
    0x31, 0x0d,                         //   SET, 13 bytes: one RDN
    0x30, 0x0b,                         //     SEQUENCE, 11 bytes: AttributeTypeAndValue
    0x06, 0x03, 0x55, 0x04, 0x03,       //       OID, 3 bytes: 2.5.4.3 commonName
    0x0c, 0x04, ...ascii("aqm1"),       //       UTF8String, 4 bytes
  ],
  subjectPublicKeyInfo: [
    0x30, 0x19,                         // SEQUENCE, 25 bytes
    0x30, 0x13,                         //   SEQUENCE, 19 bytes: AlgorithmIdentifier
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,       // OID, 7 bytes: 1.2.840.10045.2.1 ecPublicKey
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, // OID, 8 bytes: 1.2.840.10045.3.1.7 prime256v1
    0x03, 0x02, 0x00, 0x04,             //   BIT STRING, 2 bytes: no unused bits, key 04
  ],
  extensions: [] as number[], // none: issuerUniqueID, subjectUniqueID and extensions are optional
  signatureAlgorithm: [
    0x30, 0x0a, // SEQUENCE, 10 bytes
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, // OID: ecdsa-with-SHA256
  ],
  signatureValue: [0x03, 0x01, 0x00], // BIT STRING, 1 byte: no unused bits, no signature
  afterSignature: [] as number[],
};

type Parts = { -readonly [K in keyof typeof PART]: number[] };

/**
 * The certificate with some fields replaced, every enclosing length rewritten. With no
 * replacement its 117 bytes lie at these offsets (a replacement moves only what follows it):
 *   0 Certificate (30 73)   2 tbsCertificate (30 62)   4 version (a0 03)   6 its INTEGER
 *   9 serialNumber   12 signature   24 issuer   26 validity   28 notBefore   43 notAfter
 *  58 subject   60 RDN SET   62 AttributeTypeAndValue   64 type   69 value
 *  75 subjectPublicKeyInfo   77 algorithm   79 its OID   88 curve OID   98 subjectPublicKey
 * 102 signatureAlgorithm   114 signatureValue   117 end
 */
function certificate(changes: Partial<Parts> = {}): Uint8Array {
  const p: Parts = { ...PART, ...changes };
  const tbs = tlv(0x30, p.version, p.serialNumber, p.signature, p.issuer, p.validity, p.subject, p.subjectPublicKeyInfo, p.extensions);
  return Uint8Array.from(tlv(0x30, tbs, p.signatureAlgorithm, p.signatureValue, p.afterSignature));
}

/** The subject Name around one RDN SET holding the given AttributeTypeAndValue contents. */
const subjectWith = (...pairs: number[][]): number[] => tlv(0x30, tlv(0x31, ...pairs.map((pair) => tlv(0x30, pair))));
const commonName = (value: number[]): number[] => [0x06, 0x03, 0x55, 0x04, 0x03, ...value]; // OID 2.5.4.3, then the value
const organization = (value: number[]): number[] => [0x06, 0x03, 0x55, 0x04, 0x0a, ...value]; // OID 2.5.4.10

test("the minimal certificate is read: its common name and its EC key", () => {
  const der = certificate();
  assert.equal(der.length, 117);
  assert.deepEqual(readCertificate(der), {
    subjectCommonName: "aqm1",
    publicKey: { algorithm: OID.ecPublicKey, curve: OID.prime256v1, key: Uint8Array.of(0x04) },
  });
});

test("a v1 certificate, without the version field, is read", () => {
  assert.equal(readCertificate(certificate({ version: [] })).subjectCommonName, "aqm1");
});

test("the Certificate must be one SEQUENCE of tbsCertificate, signatureAlgorithm and signatureValue, and nothing else", () => {
  refuses(() => readCertificate(new Uint8Array()), "Certificate: missing (ends at byte 0)");
  // 31 00: an empty SET
  refuses(() => readCertificate(Uint8Array.of(0x31, 0x00)), "Certificate: expected tag 0x30, found 0x31 at byte 0");
  // the certificate, then a stray 00 at byte 117
  refuses(() => readCertificate(Uint8Array.of(...certificate(), 0x00)), "Certificate: 1 unexpected bytes at byte 117");
  // inside the Certificate SEQUENCE, 05 00 NULL after the signature
  refuses(() => readCertificate(certificate({ afterSignature: [0x05, 0x00] })), "Certificate: 2 unexpected bytes at byte 117");
  // 30 05: a Certificate holding only 02 01 00 (an INTEGER) where tbsCertificate belongs
  refuses(() => readCertificate(Uint8Array.from(tlv(0x30, [0x02, 0x01, 0x00]))), "tbsCertificate: expected tag 0x30, found 0x02 at byte 2");
  // a Certificate holding only the tbsCertificate
  const tbsOnly = Uint8Array.from(tlv(0x30, [...certificate().subarray(2, 102)]));
  refuses(() => readCertificate(tbsOnly), "signatureAlgorithm: missing (ends at byte 102)");
  // the algorithm OID bare, without its SEQUENCE
  refuses(
    () => readCertificate(certificate({ signatureAlgorithm: PART.signatureAlgorithm.slice(2) })),
    "signatureAlgorithm: expected tag 0x30, found 0x06 at byte 102",
  );
  refuses(() => readCertificate(certificate({ signatureValue: [] })), "signatureValue: missing (ends at byte 114)");
  // 04 01 00: an OCTET STRING for the signature
  refuses(() => readCertificate(certificate({ signatureValue: [0x04, 0x01, 0x00] })), "signatureValue: expected tag 0x03, found 0x04 at byte 114");
});

test("the version wraps exactly one INTEGER", () => {
  // a0 03, then 04 01 02: an OCTET STRING inside [0]
  refuses(() => readCertificate(certificate({ version: [0xa0, 0x03, 0x04, 0x01, 0x02] })), "version: expected tag 0x02, found 0x04 at byte 6");
  // a0 00: [0] with nothing in it
  refuses(() => readCertificate(certificate({ version: [0xa0, 0x00] })), "version: missing (ends at byte 6)");
  // a0 05, 02 01 02 INTEGER 2, then 05 00 NULL inside [0]: mbedTLS refuses this as a version length mismatch
  refuses(() => readCertificate(certificate({ version: [0xa0, 0x05, 0x02, 0x01, 0x02, 0x05, 0x00] })), "version: 2 unexpected bytes at byte 9");
});

test("tbsCertificate's fields must come in order with their tags", () => {
  // without its serialNumber, the signature's SEQUENCE is where the INTEGER belongs
  refuses(() => readCertificate(certificate({ serialNumber: [] })), "serialNumber: expected tag 0x02, found 0x30 at byte 9");
  // the signature's OID without its SEQUENCE
  refuses(() => readCertificate(certificate({ signature: PART.signature.slice(2) })), "signature: expected tag 0x30, found 0x06 at byte 12");
  // 31 00: a SET for the issuer Name
  refuses(() => readCertificate(certificate({ issuer: [0x31, 0x00] })), "issuer: expected tag 0x30, found 0x31 at byte 24");
  // 31 00: a SET for the validity
  refuses(() => readCertificate(certificate({ validity: [0x31, 0x00] })), "validity: expected tag 0x30, found 0x31 at byte 26");
  // the RDN SET without the Name's SEQUENCE
  refuses(() => readCertificate(certificate({ subject: PART.subject.slice(2) })), "subject: expected tag 0x30, found 0x31 at byte 58");
  refuses(() => readCertificate(certificate({ subjectPublicKeyInfo: [] })), "subjectPublicKeyInfo: missing (ends at byte 75)");
  // 31 00: a SET for the subjectPublicKeyInfo
  refuses(() => readCertificate(certificate({ subjectPublicKeyInfo: [0x31, 0x00] })), "subjectPublicKeyInfo: expected tag 0x30, found 0x31 at byte 75");
});

test("the validity is two times, each a UTCTime or a GeneralizedTime of printable characters", () => {
  const validity = (...times: number[][]) => certificate({ validity: tlv(0x30, ...times) });
  const utc = tlv(0x17, ascii("260101000000Z")); // 17 UTCTime, 0d length, YYMMDDhhmmssZ
  // 18 GeneralizedTime, 0f length, YYYYMMDDhhmmssZ
  assert.equal(readCertificate(validity(tlv(0x18, ascii("20260101000000Z")), utc)).subjectCommonName, "aqm1");
  refuses(() => readCertificate(validity()), "notBefore: missing (ends at byte 28)");
  refuses(() => readCertificate(validity(utc)), "notAfter: missing (ends at byte 43)");
  // 15 more bytes take the Certificate's length to 130, two length bytes: what follows byte 1 moves by one
  refuses(() => readCertificate(validity(utc, utc, utc)), "validity: 15 unexpected bytes at byte 59");
  // 04 0d: the time's text in an OCTET STRING
  refuses(() => readCertificate(validity(tlv(0x04, ascii("260101000000Z")), utc)), "notBefore: not a UTCTime or GeneralizedTime");
  // 13 0d: the time's text in a PrintableString
  refuses(() => readCertificate(validity(utc, tlv(0x13, ascii("360101000000Z")))), "notAfter: not a UTCTime or GeneralizedTime");
  // a line feed inside the time: the console echoes what it reads on one line
  refuses(() => readCertificate(validity(tlv(0x17, ascii("2601010000\n0Z")), utc)), "notBefore: not printable ASCII");
  // 1f 17 00: a two-byte tag, read with no tag expected
  refuses(() => readCertificate(validity([0x1f, 0x17, 0x00], utc)), "notBefore: multi-byte tag at byte 28");
});

test("the subject's common name is printable ASCII, found in any RDN; a subject without one has none", () => {
  const cn = (...value: number[]) => certificate({ subject: subjectWith(commonName(value)) });
  assert.equal(readCertificate(cn(0x13, 0x03, 0x20, 0x41, 0x7e)).subjectCommonName, " A~", "space and tilde are the printable ends");
  for (const byte of [0x00, 0x0a, 0x1f, 0x7f, 0x80, 0xc3]) {
    // 0c UTF8String, 03 length, a, the byte, b
    refuses(() => readCertificate(cn(0x0c, 0x03, 0x61, byte, 0x62)), "commonName: not printable ASCII");
  }
  // 30 00: a Name with no RDNs
  assert.equal(readCertificate(certificate({ subject: [0x30, 0x00] })).subjectCommonName, undefined);
  // O=Zürich alone: 0c 07 UTF8String, ü as c3 bc; only the common name is held to ASCII
  const zurich = organization([0x0c, 0x07, ...ascii("Z"), 0xc3, 0xbc, ...ascii("rich")]);
  assert.equal(readCertificate(certificate({ subject: subjectWith(zurich) })).subjectCommonName, undefined);
  // O=Zürich in one RDN, CN=aqm2 in the next
  const twoRdns = tlv(0x30, tlv(0x31, tlv(0x30, zurich)), tlv(0x31, tlv(0x30, commonName(tlv(0x0c, ascii("aqm2"))))));
  assert.equal(readCertificate(certificate({ subject: twoRdns })).subjectCommonName, "aqm2");
  // one multi-valued RDN: O=Zürich + CN=aqm3
  const multiValued = subjectWith(zurich, commonName(tlv(0x0c, ascii("aqm3"))));
  assert.equal(readCertificate(certificate({ subject: multiValued })).subjectCommonName, "aqm3");
});

test("the subject's structure: RDNs are SETs of SEQUENCEs of an OID and one value", () => {
  // 30 0d, then 30 0b …: the AttributeTypeAndValue without its SET
  refuses(
    () => readCertificate(certificate({ subject: tlv(0x30, tlv(0x30, commonName(tlv(0x0c, ascii("aqm1"))))) })),
    "subject RDN: expected tag 0x31, found 0x30 at byte 60",
  );
  // 30 0d 31 0b, then 06 03 …: the OID and value without their SEQUENCE
  refuses(
    () => readCertificate(certificate({ subject: tlv(0x30, tlv(0x31, commonName(tlv(0x0c, ascii("aqm1"))))) })),
    "subject attribute: expected tag 0x30, found 0x06 at byte 62",
  );
  // 30 06: the value, 0c 04 aqm1, without a type
  refuses(() => readCertificate(certificate({ subject: subjectWith(tlv(0x0c, ascii("aqm1"))) })), "attribute type: expected tag 0x06, found 0x0c at byte 64");
  // 06 00: an empty OID for the type
  refuses(() => readCertificate(certificate({ subject: subjectWith([0x06, 0x00, ...tlv(0x0c, ascii("aqm1"))]) })), "attribute type: empty OBJECT IDENTIFIER");
  // 06 03 55 04 03: a type and no value
  refuses(() => readCertificate(certificate({ subject: subjectWith(commonName([])) })), "attribute value: missing (ends at byte 69)");
  // 06 03 55 04 03 OID, 0c 04 aqm1 value, then 05 00 NULL at byte 75: mbedTLS refuses the third element
  refuses(
    () => readCertificate(certificate({ subject: subjectWith(commonName([...tlv(0x0c, ascii("aqm1")), 0x05, 0x00])) })),
    "subject attribute: 2 unexpected bytes at byte 75",
  );
});

test("subjectPublicKeyInfo: an AlgorithmIdentifier (EC with its curve, else optional NULL) and a whole-byte key", () => {
  const EC = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]; // OID 1.2.840.10045.2.1 ecPublicKey
  const P256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]; // OID prime256v1
  const RSA = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]; // OID 1.2.840.113549.1.1.1
  const KEY = [0x03, 0x02, 0x00, 0x04]; // BIT STRING: no unused bits, 04
  const spki = (algorithm: number[], key = KEY) => readCertificate(certificate({ subjectPublicKeyInfo: tlv(0x30, algorithm, key) }));

  // 30 0d: rsaEncryption, 05 00 NULL parameters
  assert.deepEqual(spki(tlv(0x30, RSA, [0x05, 0x00])).publicKey, { algorithm: OID.rsaEncryption, curve: undefined, key: Uint8Array.of(0x04) });
  // 30 0b: rsaEncryption with the parameters left out
  assert.equal(spki(tlv(0x30, RSA)).publicKey.algorithm, OID.rsaEncryption);
  // 30 0d: rsaEncryption, 30 00 (not NULL) as parameters
  refuses(() => spki(tlv(0x30, RSA, [0x30, 0x00])), "subjectPublicKeyInfo.algorithm: 2 unexpected bytes at byte 90");
  // 30 15: ecPublicKey, prime256v1, then 05 00
  refuses(() => spki(tlv(0x30, EC, P256, [0x05, 0x00])), "subjectPublicKeyInfo.algorithm: 2 unexpected bytes at byte 98");
  // 30 09: ecPublicKey with no curve
  refuses(() => spki(tlv(0x30, EC)), "EC curve: missing (ends at byte 88)");
  // 30 0b: ecPublicKey, 05 00 NULL where the curve belongs
  refuses(() => spki(tlv(0x30, EC, [0x05, 0x00])), "EC curve: expected tag 0x06, found 0x05 at byte 88");
  // 30 0d: ecPublicKey, 06 02 80 01 a curve OID padded with a zero digit
  refuses(() => spki(tlv(0x30, EC, [0x06, 0x02, 0x80, 0x01])), "EC curve: OBJECT IDENTIFIER arc with a leading zero");
  // the OIDs without their SEQUENCE
  refuses(() => spki([...EC, ...P256]), "subjectPublicKeyInfo.algorithm: expected tag 0x30, found 0x06 at byte 77");
  // 30 02, 05 00: NULL where the algorithm's OID belongs
  refuses(() => spki(tlv(0x30, [0x05, 0x00])), "subjectPublicKeyInfo.algorithm.oid: expected tag 0x06, found 0x05 at byte 79");
  // 30 03, 06 01 86: an OID that ends inside an arc
  refuses(() => spki(tlv(0x30, [0x06, 0x01, 0x86])), "subjectPublicKeyInfo.algorithm: OBJECT IDENTIFIER ends inside an arc");
  // no key after the algorithm
  refuses(() => spki(tlv(0x30, EC, P256), []), "subjectPublicKey: missing (ends at byte 98)");
  // 04 01 04: the key in an OCTET STRING
  refuses(() => spki(tlv(0x30, EC, P256), [0x04, 0x01, 0x04]), "subjectPublicKey: expected tag 0x03, found 0x04 at byte 98");
  // 03 02 04 f0: four unused bits
  refuses(() => spki(tlv(0x30, EC, P256), [0x03, 0x02, 0x04, 0xf0]), "subjectPublicKey: BIT STRING with unused bits");
  // the key, then 05 00
  refuses(() => spki(tlv(0x30, EC, P256), [...KEY, 0x05, 0x00]), "subjectPublicKeyInfo: 2 unexpected bytes at byte 102");
});

test("after subjectPublicKeyInfo only context-tagged fields may follow (issuerUniqueID, subjectUniqueID, extensions)", () => {
  // 81 01 00 [1] issuerUniqueID, 82 01 00 [2] subjectUniqueID, a3 02 30 00 [3] empty extensions
  const fields = [0x81, 0x01, 0x00, 0x82, 0x01, 0x00, 0xa3, 0x02, 0x30, 0x00];
  assert.equal(readCertificate(certificate({ extensions: fields })).subjectCommonName, "aqm1");
  // 30 00 universal SEQUENCE; 40 00 application class; c0 00 private class
  refuses(() => readCertificate(certificate({ extensions: [0x30, 0x00] })), "tbsCertificate: unexpected tag 0x30 after subjectPublicKeyInfo");
  refuses(() => readCertificate(certificate({ extensions: [0x40, 0x00] })), "tbsCertificate: unexpected tag 0x40 after subjectPublicKeyInfo");
  refuses(() => readCertificate(certificate({ extensions: [0xc0, 0x00] })), "tbsCertificate: unexpected tag 0xc0 after subjectPublicKeyInfo");
  // bf 81 00 00: context class, but a two-byte tag
  refuses(() => readCertificate(certificate({ extensions: [0xbf, 0x81, 0x00, 0x00] })), "tbsCertificate extension field: multi-byte tag at byte 102");
  // a3 05 30 00: [3] declaring 5 bytes where the tbsCertificate has 2 left
  refuses(
    () => readCertificate(certificate({ extensions: [0xa3, 0x05, 0x30, 0x00] })),
    "tbsCertificate extension field: 5 bytes declared at byte 102, only 2 left",
  );
});

let device: TestIdentity;
let ec: { certPem: string; keyPem: string };

before(async () => {
  [device, ec] = await Promise.all([localIdentity("aqm-x509-001"), ecIdentity("aqm-x509-ec")]);
});

test("a local CA's RSA device certificate and the CA's own are read: common name and the PKCS#1 public key", () => {
  const summary = readCertificate(device.certDer);
  assert.equal(summary.subjectCommonName, "aqm-x509-001");
  assert.equal(summary.publicKey.algorithm, OID.rsaEncryption);
  assert.equal(summary.publicKey.curve, undefined);
  const pkcs1 = createPublicKey(device.certPem).export({ type: "pkcs1", format: "der" });
  assert.deepEqual(Buffer.from(summary.publicKey.key), pkcs1);
  // CN=aqm test CA, O=aqm, with its CA extensions
  assert.equal(readCertificate(device.caDer).subjectCommonName, "aqm test CA");
});

test("a self-signed EC P-256 certificate is read: the curve and the uncompressed point", () => {
  const der = new Uint8Array(new X509Certificate(ec.certPem).raw);
  const summary = readCertificate(der);
  assert.equal(summary.subjectCommonName, "aqm-x509-ec");
  assert.equal(summary.publicKey.algorithm, OID.ecPublicKey);
  assert.equal(summary.publicKey.curve, OID.prime256v1);
  const jwk = createPublicKey(ec.certPem).export({ format: "jwk" });
  const point = Buffer.concat([Buffer.of(0x04), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
  assert.deepEqual(Buffer.from(summary.publicKey.key), point);
});

// A DER walk independent of the firmware's, to rewrite a real certificate's lengths.

type Tree = DerTree;

/** The DER of `tree`; the node at `padPath` gets one needless leading zero length byte, and `padAt` is where its tag sits. */
function encode(tree: Tree, padPath?: readonly number[], path: readonly number[] = []): { bytes: number[]; padAt: number | undefined } {
  const body: number[] = [];
  let inner: number | undefined;
  if ("children" in tree)
    tree.children.forEach((child, at) => {
      const written = encode(child, padPath, [...path, at]);
      if (written.padAt !== undefined) inner = body.length + written.padAt;
      body.push(...written.bytes);
    });
  else body.push(...tree.content);
  const padded = padPath !== undefined && padPath.length === path.length && padPath.every((step, i) => step === path[i]);
  const digits: number[] = [];
  for (let rest = body.length; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  const length = padded ? [0x80 | (digits.length + 1), 0x00, ...digits] : body.length < 0x80 ? [body.length] : [0x80 | digits.length, ...digits];
  const header = [tree.tag, ...length];
  return { bytes: [...header, ...body], padAt: padded ? 0 : inner === undefined ? undefined : header.length + inner };
}

/** Paths of the nodes readCertificate reads a header of: all but those inside signature, issuer, signatureAlgorithm and the context-tagged fields. */
function readPaths(certificateTree: Tree): number[][] {
  const children = (tree: Tree) => ("children" in tree ? tree.children : []);
  const tbs = children(certificateTree)[0]!;
  const v = children(tbs)[0]!.tag === 0xa0 ? 1 : 0;
  const opaque = [[1], [0, v + 1], [0, v + 2], ...children(tbs).flatMap((_, at) => (at >= v + 6 ? [[0, at]] : []))];
  const paths: number[][] = [];
  const visit = (tree: Tree, path: number[]): void => {
    paths.push(path);
    if (!opaque.some((prefix) => prefix.length === path.length && prefix.every((step, i) => step === path[i])))
      children(tree).forEach((child, at) => visit(child, [...path, at]));
  };
  visit(certificateTree, []);
  return paths;
}

test("property: every truncation of a real certificate is refused with a DerError naming the missing bytes", () => {
  assertEveryTruncationRefused(device.certDer, "Certificate", readCertificate);
});

test("property: a real certificate with any length it reads re-encoded with a leading zero byte is refused at that length", () => {
  const [tree] = parseTrees(device.certDer);
  assert.deepEqual(Uint8Array.from(encode(tree!).bytes), device.certDer, "the test's walk round-trips the certificate");
  const paths = readPaths(tree!);
  // Certificate, tbsCertificate, version and its INTEGER, serialNumber, signature, issuer, validity and its
  // two times, the subject's five, subjectPublicKeyInfo's five, extensions, signatureAlgorithm, signatureValue.
  assert.equal(paths.length, 23);
  fc.assert(
    fc.property(fc.constantFrom(...paths), (path) => {
      const { bytes, padAt } = encode(tree!, path);
      assert.throws(
        () => readCertificate(Uint8Array.from(bytes)),
        (error: unknown) => error instanceof DerError && error.message.endsWith(`: length not in its shortest form at byte ${padAt! + 1}`),
        `path ${path.join(".")}`,
      );
    }),
  );
});

test("property: a real certificate with any byte changed is read or refused with a DerError, never another exception", () => {
  fc.assert(
    fc.property(fc.nat(device.certDer.length - 1), fc.nat(255), (at, value) => {
      const der = Uint8Array.from(device.certDer);
      der[at] = value;
      try {
        readCertificate(der);
      } catch (error) {
        assert.ok(error instanceof DerError, `byte ${at} = ${value}: ${String(error)}`);
      }
    }),
    { numRuns: 2000 },
  );
});
