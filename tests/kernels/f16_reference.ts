/**
 * An f16 oracle for the f16 tests, written from the IEEE 754 binary16 format
 * (1 sign bit, 5 exponent bits with bias 15, 10 fraction bits) with no help
 * from `Math.f16round` or `Float16Array`, which the library itself uses.
 *
 * @module
 */

/** The largest finite f16. */
export const F16_MAX = 65504;
/** The smallest positive subnormal f16 (2^-24). */
export const F16_MIN_SUBNORMAL = 2 ** -24;
/** The smallest positive normal f16 (2^-14). */
export const F16_MIN_NORMAL = 2 ** -14;

/** The value of the f16 with bit pattern `bits` (0..65535). */
export function decodeF16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * frac * 2 ** -24;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** `x` rounded to the nearest f16, ties to even; past the range, ±Infinity. */
export function roundToF16(x: number): number {
  if (Number.isNaN(x) || x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  // Halfway between 65504 and the next step (65536) rounds to even: 65536 is out of range.
  if (a >= 65520) return Math.sign(x) * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const q = a / ulp; // exact: dividing by a power of two
  let r = Math.floor(q);
  const rest = q - r;
  if (rest > 0.5 || (rest === 0.5 && r % 2 === 1)) r++;
  const y = r * ulp;
  return x < 0 ? -y : y === 0 ? 0 : y;
}

/**
 * How far two f32 sums of the same `terms` in different orders may lie apart: each is within
 * `n · 2^-24 · Σ|term|` of the exact sum (n nonzero terms, since adding 0 rounds nothing; 2^-24
 * is f32's unit roundoff), so twice that. Where the terms cancel, this is what separates two
 * correct accumulations, not the result's size.
 */
export function f32SumSpread(terms: readonly number[]): number {
  let magnitude = 0, n = 0;
  for (const t of terms) {
    magnitude += Math.abs(t);
    if (t !== 0) n++;
  }
  return 2 * n * 2 ** -24 * magnitude;
}

/** The spacing of f16 values around `x` (at least the subnormal spacing). */
export function ulpF16(x: number): number {
  const a = Math.abs(x);
  if (a < F16_MIN_NORMAL) return F16_MIN_SUBNORMAL;
  return 2 ** (Math.floor(Math.log2(a)) - 10);
}

/**
 * Throws naming the element unless `actual[i]` is within `ulps` f16 steps of
 * `expected[i]` plus `atol` (one for all, or one per element; equal infinities
 * and NaN with NaN match).
 */
export function assertCloseF16(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  opts: { ulps?: number; atol?: number | ArrayLike<number>; what?: string } = {},
): void {
  const what = opts.what ? `${opts.what}: ` : "";
  if (actual.length !== expected.length) {
    throw new Error(`${what}length ${actual.length} !== expected ${expected.length}`);
  }
  const ulps = opts.ulps ?? 1, atolOf = opts.atol ?? 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const atol = typeof atolOf === "number" ? atolOf : atolOf[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= ulps * ulpF16(e) + atol)) {
      throw new Error(`${what}element ${i}: got ${a}, expected ${e} (${ulps} f16 ulps + ${atol})`);
    }
  }
}
