import assert from "node:assert/strict";
import test from "node:test";
import fc from "fast-check";
import {
  absSaturating,
  addSaturating,
  fractionQ16,
  INT32_MAX,
  INT32_MIN,
  RATIO_MAX,
  ratioQ16,
  SCORE_MAX,
  subtractSaturating,
  surpriseQ16,
  thresholdQ16,
} from "../../../firmware/anomaly/Q16";

test("addition and subtraction saturate at the int32 ends instead of wrapping", () => {
  assert.equal(addSaturating(INT32_MAX, 1), INT32_MAX);
  assert.equal(addSaturating(INT32_MIN, -1), INT32_MIN);
  assert.equal(subtractSaturating(INT32_MIN, 1), INT32_MIN);
  assert.equal(subtractSaturating(INT32_MAX, -5), INT32_MAX);
  assert.equal(subtractSaturating(INT32_MAX, INT32_MIN), INT32_MAX);
  assert.equal(addSaturating(0x10000, 0x8000), 0x18000, "1.0 + 0.5 in Q16.16");
});

test("|−2^31| saturates to 2^31 − 1", () => {
  assert.equal(absSaturating(INT32_MIN), INT32_MAX);
  assert.equal(absSaturating(-0x10000), 0x10000);
});

test("the surprise is z/(z + knee) within 1 LSB over the whole int32 range: a wide channel's knee · deviation does not saturate, and a narrow deviation is not truncated", () => {
  assert.equal(surpriseQ16(0, 0, 20, 0), 0, "nothing deviated");
  assert.equal(surpriseQ16(5, 0, 20, 0), SCORE_MAX, "any distance over a zero deviation");
  // Where knee · deviation would pass 2^31: z = 1 must still give 1/21.
  assert.ok(Math.abs(surpriseQ16(0x40000000, 0x40000000, 20, 0) - Math.floor(65536 / 21)) <= 1);
  // Found by this property: shifting both operands for the wide distance truncated the deviation 13 to 1,
  // and gave 65532 where 2^25 / (2^25 + 237 · 13) is 65529.
  assert.equal(surpriseQ16(33_554_432, 13, 237, 0), 65_529);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: INT32_MAX }),
      fc.integer({ min: 0, max: INT32_MAX }),
      fc.integer({ min: 1, max: 255 }),
      (distance, deviation, knee) => {
        const denominator = distance + knee * deviation;
        const exact = denominator === 0 ? 0 : Math.min(SCORE_MAX, Math.floor((distance * 65536) / denominator));
        const got = surpriseQ16(distance, deviation, knee, 0);
        assert.ok(Number.isInteger(got) && Math.abs(got - exact) <= 1, `${distance}, ${deviation}, knee ${knee}: ${got} vs ${exact}`);
      },
    ),
  );
});

test("a surprise that cannot pass the floor is 0 without dividing; one that can is the exact surprise", () => {
  // 1 / (1 + 20 · 1) is 3120 in Q0.16.
  assert.equal(surpriseQ16(1, 1, 20, 0), 3120);
  assert.equal(surpriseQ16(1, 1, 20, 8192), 0, "below a floor of 2^13 it cannot reach it: 0");
  assert.equal(surpriseQ16(1, 1, 20, 3119), 3120, "just above its floor it is divided");
  assert.equal(surpriseQ16(5, 0, 20, SCORE_MAX), SCORE_MAX, "a zero deviation is surprising at any floor");
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: INT32_MAX }),
      fc.integer({ min: 0, max: INT32_MAX }),
      fc.integer({ min: 1, max: 255 }),
      fc.integer({ min: 0, max: SCORE_MAX }),
      fc.integer({ min: 0, max: 30 }),
      (distance, deviation, knee, floor, narrow) => {
        // Narrowed operands make surprises near every floor as likely as far from it.
        const d = distance >> narrow;
        const exact = surpriseQ16(d, deviation >> (30 - narrow), knee, 0);
        const got = surpriseQ16(d, deviation >> (30 - narrow), knee, floor);
        if (exact > floor) assert.equal(got, exact, `above floor ${floor}`);
        else assert.ok(got === exact || got === 0, `at most floor ${floor}: ${got} vs ${exact}`);
      },
    ),
  );
});

test("fractionQ16 gives Q0.16 vectors: 1/2, 1/3, 0, x/x capped at 65535, 0/0 = 0", () => {
  assert.equal(fractionQ16(1, 2), 0x8000);
  assert.equal(fractionQ16(1, 3), 0x5555);
  assert.equal(fractionQ16(0, 7), 0);
  assert.equal(fractionQ16(7, 7), SCORE_MAX);
  assert.equal(fractionQ16(0, 0), 0);
  assert.equal(fractionQ16(INT32_MAX, INT32_MAX), SCORE_MAX);
  assert.equal(fractionQ16(0x40000000, INT32_MAX), 0x8000);
});

test("fractionQ16 is floor(2^16 · n / d) to within the pre-shift's one step, for every 0 ≤ n ≤ d < 2^31", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: INT32_MAX }), fc.double({ min: 0, max: 1, noNaN: true }), (denominator, share) => {
      const numerator = Math.floor(denominator * share);
      const exact = Math.min(SCORE_MAX, Math.floor((numerator * 65536) / denominator));
      const got = fractionQ16(numerator, denominator);
      assert.ok(Number.isInteger(got) && got >= 0 && got <= SCORE_MAX);
      assert.ok(Math.abs(got - exact) <= 1, `${numerator}/${denominator}: ${got} vs ${exact}`);
    }),
  );
});

test("ratioQ16 gives Q16.16 vectors to 16 significant bits: 1/2, 3/1, 10/3, 0, and saturates at 2^11", () => {
  assert.equal(ratioQ16(1, 2), 0x8000);
  assert.equal(ratioQ16(3, 1), 3 * 0x10000);
  // 16 significant bits, whatever the integer part: 10 / 3 is 3.33331 (0x35550), not 3.33333.
  assert.equal(ratioQ16(10, 3), 0x35550);
  assert.equal(ratioQ16(0, 5), 0);
  assert.equal(RATIO_MAX, 2 ** 11 * 0x10000);
  assert.equal(ratioQ16(2047, 1), 2047 * 0x10000);
  assert.equal(ratioQ16(1 << 11, 1), RATIO_MAX);
  assert.equal(ratioQ16(1 << 14, 1), RATIO_MAX);
  assert.equal(ratioQ16(INT32_MAX, 1), RATIO_MAX);
  assert.equal(ratioQ16(5, 5), 0x10000);
  // With no headroom to shift the denominator up, the numerator's lowest bit goes: 2 LSB short of 1.
  assert.equal(ratioQ16(INT32_MAX, INT32_MAX), 0xfffe);
});

test("ratioQ16 is min(2^27, floor(2^16 · n / d)) to 2 LSB or 2^−13 of it, for every 0 ≤ n, 0 < d < 2^31", () => {
  const bits = fc.integer({ min: 0, max: 31 });
  const operand = (min: number) =>
    fc.tuple(bits, fc.double({ min: 0, max: 1, noNaN: true })).map(([width, share]) => Math.max(min, Math.min(INT32_MAX, Math.floor(2 ** width * share))));
  fc.assert(
    fc.property(operand(0), operand(1), (numerator, denominator) => {
      const exact = Math.min(RATIO_MAX, Math.floor((numerator * 65536) / denominator));
      const got = ratioQ16(numerator, denominator);
      assert.ok(Number.isInteger(got) && got >= 0 && got <= RATIO_MAX, `${numerator}/${denominator}: ${got}`);
      assert.ok(Math.abs(got - exact) <= Math.max(2, exact / 8192), `${numerator}/${denominator}: ${got} vs ${exact}`);
    }),
    { numRuns: 20_000 },
  );
});

test("a threshold goes onto the score scale rounded, clamped to 1 … 65535", () => {
  assert.equal(thresholdQ16(0.025), 1638);
  assert.equal(thresholdQ16(1e-9), 1);
  assert.equal(thresholdQ16(0.9999999), 65535);
});
