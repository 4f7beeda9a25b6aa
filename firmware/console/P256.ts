/**
 * The NIST P-256 curve (SEC 2 §2.4.2, secp256r1), just enough to derive a public point from a
 * private scalar in integer-only JavaScript (BigInt, which XS has), so the console can tell
 * whether a key belongs to a certificate. Not constant-time: it runs once, at provisioning.
 */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;

/** A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
interface Jacobian {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

function mod(value: bigint): bigint {
  const r = value % P;
  return r < 0n ? r + P : r;
}

/** Doubling for a = −3 ("dbl-2001-b"). */
function double(point: Jacobian): Jacobian {
  if (point.z === 0n || point.y === 0n) return INFINITY;
  const delta = mod(point.z * point.z);
  const gamma = mod(point.y * point.y);
  const beta = mod(point.x * gamma);
  const alpha = mod(3n * (point.x - delta) * (point.x + delta));
  const x = mod(alpha * alpha - 8n * beta);
  const z = mod((point.y + point.z) * (point.y + point.z) - gamma - delta);
  const y = mod(alpha * (4n * beta - x) - 8n * gamma * gamma);
  return { x, y, z };
}

/** Adds the affine point (ax, ay) ("madd-2007-bl"). */
function addAffine(point: Jacobian, ax: bigint, ay: bigint): Jacobian {
  if (point.z === 0n) return { x: ax, y: ay, z: 1n };
  const z1z1 = mod(point.z * point.z);
  const u2 = mod(ax * z1z1);
  const s2 = mod(ay * point.z * z1z1);
  const h = mod(u2 - point.x);
  const r = mod(2n * (s2 - point.y));
  if (h === 0n) return r === 0n ? double(point) : INFINITY;
  const hh = mod(h * h);
  const i = mod(4n * hh);
  const j = mod(h * i);
  const v = mod(point.x * i);
  const x = mod(r * r - j - 2n * v);
  const y = mod(r * (v - x) - 2n * point.y * j);
  const z = mod((point.z + h) * (point.z + h) - z1z1 - hh);
  return { x, y, z };
}

function inverse(value: bigint): bigint {
  // Fermat: value^(P−2) mod P, P being prime.
  let result = 1n;
  let base = mod(value);
  let exponent = P - 2n;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % P;
    base = (base * base) % P;
    exponent >>= 1n;
  }
  return result;
}

export function bigintFromBytes(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** scalar·G as affine coordinates, or undefined when the scalar is not a valid private key (0 or ≥ n). */
export function publicPointOf(scalar: Uint8Array): { x: bigint; y: bigint } | undefined {
  const k = bigintFromBytes(scalar);
  if (k === 0n || k >= N) return undefined;
  let point = INFINITY;
  for (let bit = BigInt(k.toString(2).length - 1); bit >= 0n; bit--) {
    point = double(point);
    if ((k >> bit) & 1n) point = addAffine(point, GX, GY);
  }
  const zInverse = inverse(point.z);
  const zInverse2 = mod(zInverse * zInverse);
  return { x: mod(point.x * zInverse2), y: mod(point.y * zInverse2 * zInverse) };
}
