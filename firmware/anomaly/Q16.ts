/*
 * Integer arithmetic for the anomaly scorer. Values are Q16.16 in a signed 32-bit integer:
 * 16 integer bits (sign included) and 16 fraction bits, so the range is −32768 … 32767.99998
 * with a step of 2^−16. Scores are Q0.16: 0 … 65535 stands for 0 … 0.99998.
 *
 * Nothing here wraps: every operation that could leave the int32 range saturates at its ends,
 * because a wrapped mean or deviation would flip sign and poison the channel's state for good.
 */

export const Q16_ONE = 0x10000;
export const INT32_MAX = 0x7fffffff;
export const INT32_MIN = -0x80000000;
/** The largest Q0.16 score; 65536 would not fit the fraction. */
export const SCORE_MAX = 0xffff;
/** The lowest threshold the board can hold: at 0 every reading, however ordinary, would be flagged. */
export const THRESHOLD_MIN_Q16 = 1;

/** A configured threshold (0 < t < 1) on the score scale, as the board compares scores with it. */
export function thresholdQ16(threshold: number): number {
  const q = Math.round(threshold * Q16_ONE);
  return q < THRESHOLD_MIN_Q16 ? THRESHOLD_MIN_Q16 : q > SCORE_MAX ? SCORE_MAX : q;
}

function saturate(value: number): number {
  return value > INT32_MAX ? INT32_MAX : value < INT32_MIN ? INT32_MIN : value;
}

/** a + b, saturating. Two int32 operands sum exactly below 2^33, so the check sees the true sum. */
export function addSaturating(a: number, b: number): number {
  return saturate(a + b);
}

/** a − b, saturating. */
export function subtractSaturating(a: number, b: number): number {
  return saturate(a - b);
}

/** |a|, saturating: |−2^31| does not fit, so it becomes 2^31 − 1. */
export function absSaturating(a: number): number {
  return a < 0 ? (a === INT32_MIN ? INT32_MAX : -a) : a;
}

/**
 * numerator / denominator as a Q0.16 fraction, for 0 ≤ numerator ≤ denominator, by restoring
 * division: 16 shift-and-subtract steps, so the same work for every input and no division
 * instruction (the ESP32's Xtensa core has an integer divider, but XS would divide in doubles).
 * The operands are first halved until the denominator is below 2^30, so the shifted remainder
 * cannot overflow. A zero denominator means nothing deviated: the fraction is 0.
 */
export function fractionQ16(numerator: number, denominator: number): number {
  let remainder = numerator;
  let divisor = denominator;
  while (divisor >= 0x40000000) {
    remainder >>= 1;
    divisor >>= 1;
  }
  if (divisor === 0) return 0;
  // The quotient starts as a marker bit that the 16 steps carry to bit 16, which ends the loop:
  // XS charges a step counter's compare and increment on every step, and this loop costs fewer
  // XS operations than the steps unrolled by four did (9225 → 9165 a sample for 7 channels).
  // Sixteen quotient bits cannot exceed SCORE_MAX, x / x included.
  let quotient = 1;
  do {
    quotient <<= 1;
    if ((remainder <<= 1) >= divisor) {
      remainder -= divisor;
      quotient |= 1;
    }
  } while (quotient < 0x10000);
  return quotient - 0x10000;
}

/**
 * The largest ratioQ16: 2^11 in Q16.16. Eight times it is 2^30, so the scorer's shared-jump
 * discount (at most 8 times a ratio) stays inside int32; a jump of 2^11 records grades 0.9995
 * at the smallest jumpFactor, so nothing is lost above it.
 */
export const RATIO_MAX = 0x8000000;

/**
 * numerator / denominator in Q16.16, for numerator ≥ 0 and denominator > 0, saturating at
 * RATIO_MAX (2^11). The quotient's integer bits are the difference of the operands' bit
 * lengths, so the denominator is shifted up (as far as int32 allows) and the numerator down
 * until the numerator is the smaller, fractionQ16 divides, and the fraction is shifted back:
 * 16 significant bits whatever the ratio.
 */
export function ratioQ16(numerator: number, denominator: number): number {
  const integerBits = Math.clz32(denominator) - Math.clz32(numerator) + 1;
  if (integerBits <= 0) return fractionQ16(numerator, denominator);
  // 13 integer bits or more mean a ratio of at least 2^11.
  if (integerBits > 12) return RATIO_MAX;
  const headroom = Math.clz32(denominator) - 1;
  const up = integerBits < headroom ? integerBits : headroom;
  // A fraction below 2^16 shifted by at most 12 stays below 2^28.
  const quotient = fractionQ16(numerator >> (integerBits - up), denominator << up) << integerBits;
  return quotient > RATIO_MAX ? RATIO_MAX : quotient;
}

/** A deviation under 2^23 times a knee of at most 255 stays below 2^31, so the product is exact. */
const DEVIATION_BITS = 23;

/**
 * The surprise z / (z + knee) in Q0.16, with z = distance / deviation, computed as
 * distance / (distance + knee · deviation), so a zero deviation needs no special case
 * (distance ≥ 0, deviation ≥ 0, knee 1 … 255). The ratio does not change when both operands
 * are halved. Only a deviation of 2^23 or more is shifted before the multiplication, where the
 * bits lost are under 2^−22 of it; a smaller one is multiplied whole, since shifting it first
 * (as a wide distance would have asked) truncates a deviation of 13 to 1 and moves the score by
 * several steps. Then distance and product are brought under 2^30 so their sum fits an int32:
 * a saturated denominator would inflate the surprise of every reading on a wide channel.
 *
 * A surprise that cannot exceed `floorQ16` is returned as 0 without dividing: the scorer only
 * needs surprises above its model's decayed peak, most readings are far below it, and a shift
 * and a compare cost XS a fraction of the 16 division steps. A quotient under 2^(16 − k) needs
 * scaled · 2^k < denominator; floorQ16 in [2^j, 2^(j+1)) takes k = 16 − j, and the division's
 * 1 LSB above the exact floor still leaves the surprise at most 2^j ≤ floorQ16. floorQ16 = 0
 * always divides.
 */
export function surpriseQ16(distance: number, deviation: number, knee: number, floorQ16: number): number {
  const deviationExcess = 32 - DEVIATION_BITS - Math.clz32(deviation);
  const first = deviationExcess > 0 ? deviationExcess : 0;
  const near = distance >> first;
  const product = Math.imul(deviation >> first, knee);
  const sumExcess = 2 - Math.clz32(near | product);
  const second = sumExcess > 0 ? sumExcess : 0;
  const scaled = near >> second;
  const denominator = scaled + (product >> second);
  if (floorQ16 > 0 && scaled < denominator >> (Math.clz32(floorQ16) - 15)) return 0;
  return fractionQ16(scaled, denominator);
}
