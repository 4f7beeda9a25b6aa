import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { DerError } from "../../../firmware/console/Der";
import { readPrivateKey } from "../../../firmware/console/PrivateKeyInfo";
import { OID } from "../../../firmware/console/X509Certificate";
import { assertEveryTruncationRefused, parseTrees, refuses, tlv } from "./derVectors.ts";

// prettier-ignore
const ALGORITHM = {
  ec: [
    0x30, 0x13, // SEQUENCE, 19 bytes: AlgorithmIdentifier
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,       // OID, 7 bytes: 1.2.840.10045.2.1 ecPublicKey
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, // OID, 8 bytes: 1.2.840.10045.3.1.7 prime256v1
  ],
  rsa: [
    0x30, 0x0d, // SEQUENCE, 13 bytes
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, // OID, 9 bytes: 1.2.840.113549.1.1.1 rsaEncryption
    0x05, 0x00, // NULL parameters
  ],
};

const P256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]; // OID prime256v1
const P384 = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]; // OID 1.3.132.0.34 secp384r1

/**
 * A minimal RFC 5915 ECPrivateKey: a one-byte scalar and a one-byte "point" (the reader checks
 * neither's size). Offsets count from the start of the OCTET STRING's contents, as the reader's do:
 *   0 SEQUENCE (30 18)   2 version   5 privateKey   8 parameters (a0 0a)   10 its OID   20 publicKey (a1 04)   22 its BIT STRING   26 end
 */
// prettier-ignore
const EC_PART = {
  version: [0x02, 0x01, 0x01],        // INTEGER 1: ecPrivkeyVer1
  privateKey: [0x04, 0x01, 0x2a],     // OCTET STRING, 1 byte: the scalar 0x2a
  parameters: [0xa0, 0x0a, ...P256],  // [0] EXPLICIT, 10 bytes: the named curve
  publicKey: [
    0xa1, 0x04,                       // [1] EXPLICIT, 4 bytes
    0x03, 0x02, 0x00, 0x04,           //   BIT STRING, 2 bytes: no unused bits, 04
  ],
  after: [] as number[],
};
type EcParts = { -readonly [K in keyof typeof EC_PART]: number[] };
const ecPrivateKey = (changes: Partial<EcParts> = {}): number[] => {
  const p: EcParts = { ...EC_PART, ...changes };
  return tlv(0x30, p.version, p.privateKey, p.parameters, p.publicKey, p.after);
};

/**
 * A minimal RFC 8017 RSAPrivateKey: n = 15 = 5 · 3, e = 3, d = 3 (e · d ≡ 1 mod lcm(4, 2)),
 * d mod (p − 1) = 3, d mod (q − 1) = 1, q⁻¹ mod p = 2. Offsets from the OCTET STRING's contents:
 *   0 SEQUENCE (30 1b)   then each INTEGER 02 01 xx at 2, 5, 8, …, 26   29 end
 */
const RSA_FIELDS = ["RSAPrivateKey.version", "modulus", "publicExponent", "privateExponent", "prime1", "prime2", "exponent1", "exponent2", "coefficient"];
const RSA_VALUES = [0x00, 0x0f, 0x03, 0x03, 0x05, 0x03, 0x03, 0x01, 0x02]; // each one INTEGER 02 01 <value>, in RSA_FIELDS' order
const rsaPrivateKey = (fields: number[][] = RSA_VALUES.map((value) => [0x02, 0x01, value]), after: number[] = []): number[] => tlv(0x30, ...fields, after);

/**
 * PKCS#8 PrivateKeyInfo around a key. For the EC key its 54 bytes lie at:
 *   0 SEQUENCE (30 34)   2 version   5 privateKeyAlgorithm (30 13)   7 its OID   16 the curve OID   26 privateKey (04 1a)   28 its contents   54 end
 * and for the RSA key (51 bytes): 5 privateKeyAlgorithm (30 0d)   7 its OID   18 NULL   20 privateKey (04 1d)   51 end.
 */
const PKCS8_PART = {
  version: [0x02, 0x01, 0x00], // INTEGER 0: v1
  algorithm: ALGORITHM.ec,
  privateKey: tlv(0x04, ecPrivateKey()), // OCTET STRING around the ECPrivateKey
  attributes: [] as number[], // [0] IMPLICIT, optional
  publicKey: [] as number[], // [1] IMPLICIT BIT STRING, optional (v2 only)
  after: [] as number[],
};
type Pkcs8Parts = { -readonly [K in keyof typeof PKCS8_PART]: number[] };
function pkcs8(changes: Partial<Pkcs8Parts> = {}): Uint8Array {
  const p: Pkcs8Parts = { ...PKCS8_PART, ...changes };
  return Uint8Array.from(tlv(0x30, p.version, p.algorithm, p.privateKey, p.attributes, p.publicKey, p.after));
}
const ec = (changes: Partial<EcParts>, algorithm = ALGORITHM.ec) => pkcs8({ algorithm, privateKey: tlv(0x04, ecPrivateKey(changes)) });
const rsa = (fields?: number[][], after?: number[]) => pkcs8({ algorithm: ALGORITHM.rsa, privateKey: tlv(0x04, rsaPrivateKey(fields, after)) });
const rsaField = (index: number, field: number[]) => rsa(RSA_VALUES.map((value, i) => (i === index ? field : [0x02, 0x01, value])));

test("the minimal EC and RSA keys are read into their parts", () => {
  assert.equal(pkcs8().length, 54);
  assert.deepEqual(readPrivateKey(pkcs8()), { kind: "ec", curve: OID.prime256v1, scalar: Uint8Array.of(0x2a), publicPoint: Uint8Array.of(0x04) });
  assert.equal(rsa().length, 51);
  assert.deepEqual(readPrivateKey(rsa()), {
    kind: "rsa",
    modulus: Uint8Array.of(0x0f),
    publicExponent: Uint8Array.of(0x03),
    prime1: Uint8Array.of(0x05),
    prime2: Uint8Array.of(0x03),
  });
});

test("PrivateKeyInfo: one SEQUENCE, version 0 or 1, optional attributes and public key, nothing after", () => {
  refuses(() => readPrivateKey(new Uint8Array()), "PrivateKeyInfo: missing (ends at byte 0)");
  // 04 00: an empty OCTET STRING
  refuses(() => readPrivateKey(Uint8Array.of(0x04, 0x00)), "PrivateKeyInfo: expected tag 0x30, found 0x04 at byte 0");
  refuses(() => readPrivateKey(Uint8Array.of(...pkcs8(), 0x00)), "PrivateKeyInfo: 1 unexpected bytes at byte 54");
  // 02 01 01: version 1 (OneAsymmetricKey), with a0 00 empty attributes and 81 02 00 04 the public key
  const v2 = pkcs8({ version: [0x02, 0x01, 0x01], attributes: [0xa0, 0x00], publicKey: [0x81, 0x02, 0x00, 0x04] });
  assert.equal(readPrivateKey(v2).kind, "ec");
  // the public key before the attributes
  refuses(() => readPrivateKey(pkcs8({ attributes: [0x81, 0x02, 0x00, 0x04], publicKey: [0xa0, 0x00] })), "PrivateKeyInfo: 2 unexpected bytes at byte 58");
  // 05 00 after the last field
  refuses(() => readPrivateKey(pkcs8({ after: [0x05, 0x00] })), "PrivateKeyInfo: 2 unexpected bytes at byte 54");
  // 04 01 00: an OCTET STRING for the version
  refuses(() => readPrivateKey(pkcs8({ version: [0x04, 0x01, 0x00] })), "version: expected tag 0x02, found 0x04 at byte 2");
  // 02 00: an INTEGER with no contents
  refuses(() => readPrivateKey(pkcs8({ version: [0x02, 0x00] })), "version: empty INTEGER");
  // 02 01 ff: -1
  refuses(() => readPrivateKey(pkcs8({ version: [0x02, 0x01, 0xff] })), "version: negative INTEGER");
  // 02 01 02: version 2
  refuses(() => readPrivateKey(pkcs8({ version: [0x02, 0x01, 0x02] })), "version: expected 0 or 1");
  // 02 02 01 00: version 256, whose low byte is 0
  refuses(() => readPrivateKey(pkcs8({ version: [0x02, 0x02, 0x01, 0x00] })), "version: expected 0 or 1");
});

test("privateKeyAlgorithm and privateKey: an AlgorithmIdentifier for EC or RSA, then an OCTET STRING", () => {
  refuses(() => readPrivateKey(pkcs8({ algorithm: [], privateKey: [] })), "privateKeyAlgorithm: missing (ends at byte 5)");
  // the OIDs without their SEQUENCE
  refuses(() => readPrivateKey(pkcs8({ algorithm: ALGORITHM.ec.slice(2) })), "privateKeyAlgorithm: expected tag 0x30, found 0x06 at byte 5");
  // 30 02 05 00: NULL where the OID belongs
  refuses(() => readPrivateKey(pkcs8({ algorithm: [0x30, 0x02, 0x05, 0x00] })), "privateKeyAlgorithm.oid: expected tag 0x06, found 0x05 at byte 7");
  // 30 09: ecPublicKey without a curve
  refuses(() => readPrivateKey(pkcs8({ algorithm: tlv(0x30, ALGORITHM.ec.slice(2, 11)) })), "EC curve: missing (ends at byte 16)");
  // rsaEncryption, then 30 00 (not NULL) as parameters
  refuses(
    () => readPrivateKey(pkcs8({ algorithm: tlv(0x30, ALGORITHM.rsa.slice(2, 13), [0x30, 0x00]) })),
    "privateKeyAlgorithm: 2 unexpected bytes at byte 18",
  );
  // 30 05, 06 03 2b 65 70: Ed25519 (1.3.101.112), with a well-formed OCTET STRING after it
  refuses(() => readPrivateKey(pkcs8({ algorithm: [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70] })), "privateKeyAlgorithm: 1.3.101.112 is neither EC nor RSA");
  refuses(() => readPrivateKey(pkcs8({ privateKey: [] })), "privateKey: missing (ends at byte 26)");
  // 03 01 00: a BIT STRING for the key
  refuses(() => readPrivateKey(pkcs8({ privateKey: [0x03, 0x01, 0x00] })), "privateKey: expected tag 0x04, found 0x03 at byte 26");
});

test("ECPrivateKey: version 1, the scalar, an optional curve that must match, an optional whole-byte point", () => {
  // neither parameters nor publicKey
  assert.deepEqual(readPrivateKey(ec({ parameters: [], publicKey: [] })), {
    kind: "ec",
    curve: OID.prime256v1,
    scalar: Uint8Array.of(0x2a),
    publicPoint: undefined,
  });
  // the algorithm names secp384r1 and so does [0]
  const p384 = tlv(0x30, ALGORITHM.ec.slice(2, 11), P384);
  assert.equal((readPrivateKey(ec({ parameters: tlv(0xa0, P384) }, p384)) as { curve: string }).curve, "1.3.132.0.34");
  // 04 00: an empty OCTET STRING
  refuses(() => readPrivateKey(pkcs8({ privateKey: [0x04, 0x00] })), "ECPrivateKey: missing (ends at byte 0)");
  // 04 03 02 01 01: an INTEGER where the ECPrivateKey SEQUENCE belongs
  refuses(() => readPrivateKey(pkcs8({ privateKey: [0x04, 0x03, 0x02, 0x01, 0x01] })), "ECPrivateKey: expected tag 0x30, found 0x02 at byte 0");
  // the ECPrivateKey, then 05 00 inside the OCTET STRING
  refuses(() => readPrivateKey(pkcs8({ privateKey: tlv(0x04, ecPrivateKey(), [0x05, 0x00]) })), "ECPrivateKey: 2 unexpected bytes at byte 26");
  // 04 01 01: an OCTET STRING for the version
  refuses(() => readPrivateKey(ec({ version: [0x04, 0x01, 0x01] })), "ECPrivateKey.version: expected tag 0x02, found 0x04 at byte 2");
  for (const version of [
    [0x02, 0x01, 0x00],
    [0x02, 0x01, 0x02],
    [0x02, 0x02, 0x01, 0x01],
  ]) {
    // INTEGER 0, 2 and 257 (whose low byte is 1)
    refuses(() => readPrivateKey(ec({ version })), "ECPrivateKey.version: expected 1");
  }
  refuses(() => readPrivateKey(ec({ version: [0x02, 0x01, 0x81] })), "ECPrivateKey.version: negative INTEGER");
  // no scalar: [0] is where the OCTET STRING belongs
  refuses(() => readPrivateKey(ec({ privateKey: [] })), "ECPrivateKey.privateKey: expected tag 0x04, found 0xa0 at byte 5");
  // a0 00: [0] with nothing inside
  refuses(() => readPrivateKey(ec({ parameters: [0xa0, 0x00] })), "ECPrivateKey.parameters: missing (ends at byte 10)");
  // a0 02 05 00: NULL (implicitCurve) inside [0]
  refuses(() => readPrivateKey(ec({ parameters: [0xa0, 0x02, 0x05, 0x00] })), "ECPrivateKey.parameters: expected tag 0x06, found 0x05 at byte 10");
  // a0 03 06 01 86: an OID that ends inside an arc
  refuses(() => readPrivateKey(ec({ parameters: [0xa0, 0x03, 0x06, 0x01, 0x86] })), "ECPrivateKey.parameters: OBJECT IDENTIFIER ends inside an arc");
  // [0] names secp384r1 where the algorithm names prime256v1
  refuses(
    () => readPrivateKey(ec({ parameters: tlv(0xa0, P384) })),
    "ECPrivateKey.parameters: curve 1.3.132.0.34 differs from the algorithm's 1.2.840.10045.3.1.7",
  );
  // [0] holding the curve, then 05 00: mbedTLS refuses this (pk_get_ecparams, LENGTH_MISMATCH)
  refuses(() => readPrivateKey(ec({ parameters: tlv(0xa0, P256, [0x05, 0x00]) })), "ECPrivateKey.parameters: 2 unexpected bytes at byte 20");
  // a1 00: [1] with nothing inside
  refuses(() => readPrivateKey(ec({ publicKey: [0xa1, 0x00] })), "ECPrivateKey.publicKey: missing (ends at byte 22)");
  // a1 02 04 00: an OCTET STRING inside [1]
  refuses(() => readPrivateKey(ec({ publicKey: [0xa1, 0x02, 0x04, 0x00] })), "ECPrivateKey.publicKey: expected tag 0x03, found 0x04 at byte 22");
  // a1 04 03 02 04 f0: four unused bits
  refuses(() => readPrivateKey(ec({ publicKey: [0xa1, 0x04, 0x03, 0x02, 0x04, 0xf0] })), "ECPrivateKey.publicKey: BIT STRING with unused bits");
  // [1] holding the BIT STRING, then 05 00: mbedTLS refuses this too
  refuses(() => readPrivateKey(ec({ publicKey: tlv(0xa1, [0x03, 0x02, 0x00, 0x04], [0x05, 0x00]) })), "ECPrivateKey.publicKey: 2 unexpected bytes at byte 26");
  // [1] before [0]
  refuses(() => readPrivateKey(ec({ parameters: EC_PART.publicKey, publicKey: EC_PART.parameters })), "ECPrivateKey: 12 unexpected bytes at byte 14");
  // 05 00 after [1]
  refuses(() => readPrivateKey(ec({ after: [0x05, 0x00] })), "ECPrivateKey: 2 unexpected bytes at byte 26");
});

test("RSAPrivateKey: nine INTEGERs in order, the ones compared non-negative, and no otherPrimeInfos", () => {
  // 04 00: an empty OCTET STRING
  refuses(() => readPrivateKey(pkcs8({ algorithm: ALGORITHM.rsa, privateKey: [0x04, 0x00] })), "RSAPrivateKey: missing (ends at byte 0)");
  // 04 02 05 00: NULL where the RSAPrivateKey SEQUENCE belongs
  refuses(
    () => readPrivateKey(pkcs8({ algorithm: ALGORITHM.rsa, privateKey: [0x04, 0x02, 0x05, 0x00] })),
    "RSAPrivateKey: expected tag 0x30, found 0x05 at byte 0",
  );
  RSA_FIELDS.forEach((field, index) => {
    // 04 01 00: an OCTET STRING in place of this INTEGER, at byte 2 + 3 · index
    refuses(() => readPrivateKey(rsaField(index, [0x04, 0x01, 0x00])), `${field}: expected tag 0x02, found 0x04 at byte ${2 + 3 * index}`);
  });
  // only eight INTEGERs
  refuses(() => readPrivateKey(rsa(RSA_VALUES.slice(0, 8).map((value) => [0x02, 0x01, value]))), "coefficient: missing (ends at byte 26)");
  // 02 01 8f: a negative modulus; 02 00 an empty exponent; 02 01 85 and 02 01 83 negative primes
  refuses(() => readPrivateKey(rsaField(1, [0x02, 0x01, 0x8f])), "modulus: negative INTEGER");
  refuses(() => readPrivateKey(rsaField(2, [0x02, 0x00])), "publicExponent: empty INTEGER");
  refuses(() => readPrivateKey(rsaField(4, [0x02, 0x01, 0x85])), "prime1: negative INTEGER");
  refuses(() => readPrivateKey(rsaField(5, [0x02, 0x01, 0x83])), "prime2: negative INTEGER");
  // 30 00 after the coefficient: a (here empty) otherPrimeInfos, which mbedTLS refuses
  refuses(() => readPrivateKey(rsa(undefined, [0x30, 0x00])), "RSAPrivateKey: 2 unexpected bytes at byte 29");
  // 02 02 00 8f: a modulus with its sign-padding zero reads as the same bytes
  assert.deepEqual((readPrivateKey(rsaField(1, [0x02, 0x02, 0x00, 0x8f])) as { modulus: Uint8Array }).modulus, Uint8Array.of(0x8f));
  // the RSA algorithm without its NULL parameters
  const noNull = pkcs8({ algorithm: tlv(0x30, ALGORITHM.rsa.slice(2, 13)), privateKey: tlv(0x04, rsaPrivateKey()) });
  assert.equal(readPrivateKey(noNull).kind, "rsa");
});

const der = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ type: "pkcs8", format: "der" }));
const fromJwk = (value: string | undefined): Uint8Array => new Uint8Array(Buffer.from(value!, "base64url"));

const rsaKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
const rsaDer = der(rsaKey);

test("a real RSA-2048 key from node:crypto: modulus, exponent and primes as its JWK has them", () => {
  const jwk = rsaKey.export({ format: "jwk" });
  assert.deepEqual(readPrivateKey(rsaDer), {
    kind: "rsa",
    modulus: fromJwk(jwk.n),
    publicExponent: fromJwk(jwk.e),
    prime1: fromJwk(jwk.p),
    prime2: fromJwk(jwk.q),
  });
});

test("real EC keys from node:crypto: curve, scalar and uncompressed point as their JWK has them", () => {
  for (const [namedCurve, oid] of [
    ["prime256v1", OID.prime256v1],
    ["secp384r1", "1.3.132.0.34"],
  ] as const) {
    const key = generateKeyPairSync("ec", { namedCurve }).privateKey;
    const jwk = key.export({ format: "jwk" });
    const point = Uint8Array.from([0x04, ...fromJwk(jwk.x), ...fromJwk(jwk.y)]);
    assert.deepEqual(readPrivateKey(der(key)), { kind: "ec", curve: oid, scalar: fromJwk(jwk.d), publicPoint: point }, namedCurve);
  }
});

test("a real Ed25519 key is refused by its algorithm", () => {
  refuses(() => readPrivateKey(der(generateKeyPairSync("ed25519").privateKey)), "privateKeyAlgorithm: 1.3.101.112 is neither EC nor RSA");
});

// A DER walk independent of the firmware's, to rewrite a real key's lengths.

type Tree =
  | { readonly tag: number; readonly content: readonly number[] }
  | { readonly tag: number; readonly children: readonly Tree[] }
  /** An OCTET STRING whose contents are DER themselves: the privateKey. */
  | { readonly tag: number; readonly encapsulated: Tree };

/**
 * The DER of `tree`; the node at `padPath` gets one needless leading zero length byte, and `padAt`
 * is where its tag sits, counted from the start of the blob the firmware reads it in: the whole
 * key, or the privateKey's contents (then `sealed`, so enclosing nodes do not shift it).
 */
function encode(
  tree: Tree,
  padPath: readonly number[] | undefined,
  path: readonly number[] = [],
): { bytes: number[]; padAt: number | undefined; sealed: boolean } {
  const body: number[] = [];
  let inner: number | undefined;
  let sealed = false;
  if ("children" in tree)
    tree.children.forEach((child, at) => {
      const written = encode(child, padPath, [...path, at]);
      if (written.padAt !== undefined) [inner, sealed] = [written.sealed ? written.padAt : body.length + written.padAt, written.sealed];
      body.push(...written.bytes);
    });
  else if ("encapsulated" in tree) {
    const written = encode(tree.encapsulated, padPath, [...path, 0]);
    if (written.padAt !== undefined) [inner, sealed] = [written.padAt, true];
    body.push(...written.bytes);
  } else body.push(...tree.content);
  const padded = padPath !== undefined && padPath.length === path.length && padPath.every((step, i) => step === path[i]);
  const digits: number[] = [];
  for (let rest = body.length; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  const length = padded ? [0x80 | (digits.length + 1), 0x00, ...digits] : body.length < 0x80 ? [body.length] : [0x80 | digits.length, ...digits];
  const header = [tree.tag, ...length];
  if (padded) return { bytes: [...header, ...body], padAt: 0, sealed: false };
  return { bytes: [...header, ...body], padAt: inner === undefined ? undefined : sealed ? inner : header.length + inner, sealed };
}

function paths(tree: Tree, path: number[] = []): number[][] {
  const below =
    "children" in tree
      ? tree.children.flatMap((child, at) => paths(child, [...path, at]))
      : "encapsulated" in tree
        ? paths(tree.encapsulated, [...path, 0])
        : [];
  return [path, ...below];
}

test("property: every truncation of a real RSA key is refused with a DerError naming the missing bytes", () => {
  assertEveryTruncationRefused(rsaDer, "PrivateKeyInfo", readPrivateKey);
});

test("property: a real RSA key with any length re-encoded with a leading zero byte is refused at that length", () => {
  const [outer] = parseTrees(rsaDer);
  assert.ok(outer && "children" in outer);
  const octets = outer.children[2]!;
  assert.ok("content" in octets && octets.tag === 0x04);
  const [rsaPrivate] = parseTrees(Uint8Array.from(octets.content));
  const tree: Tree = { tag: outer.tag, children: outer.children.map((child, at) => (at === 2 ? { tag: 0x04, encapsulated: rsaPrivate! } : child)) };
  assert.deepEqual(Uint8Array.from(encode(tree, undefined).bytes), rsaDer, "the test's walk round-trips the key");
  const every = paths(tree);
  // PrivateKeyInfo, version, algorithm, its OID and NULL, privateKey; RSAPrivateKey and its nine INTEGERs.
  assert.equal(every.length, 16);
  fc.assert(
    fc.property(fc.constantFrom(...every), (path) => {
      const { bytes, padAt } = encode(tree, path);
      assert.throws(
        () => readPrivateKey(Uint8Array.from(bytes)),
        (error: unknown) => error instanceof DerError && error.message.endsWith(`: length not in its shortest form at byte ${padAt! + 1}`),
        `path ${path.join(".")}`,
      );
    }),
  );
});

test("property: real RSA and EC keys with any byte changed are read or refused with a DerError, never another exception", () => {
  const ecDer = der(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey);
  fc.assert(
    fc.property(fc.constantFrom(rsaDer, ecDer), fc.nat(), fc.nat(255), (original, at, value) => {
      const damaged = Uint8Array.from(original);
      damaged[at % damaged.length] = value;
      try {
        readPrivateKey(damaged);
      } catch (error) {
        assert.ok(error instanceof DerError, `byte ${at % damaged.length} = ${value}: ${String(error)}`);
      }
    }),
    { numRuns: 2000 },
  );
});
