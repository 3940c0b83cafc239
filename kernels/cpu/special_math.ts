/**
 * Scalar functions JavaScript's `Math` lacks, as source text that the CPU
 * code generator puts in front of every kernel it compiles (like
 * `fast_math.ts`): `erf(x)` and `roundEven(x)` (round half to even, as NumPy
 * and WGSL round). Computed in f64; f32 kernels round the result once when
 * they store it.
 *
 * `erf`: for `|x| < 3` the series `2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1))`,
 * whose terms are all positive (no cancellation); beyond, `1 - erfc(x)` with
 * erfc's continued fraction (evaluated backwards, 60 levels); `±1` past 6,
 * where erfc is below f64's resolution around 1.
 *
 * @module
 */

/**
 * The source defining `erf(x)` and `roundEven(x)`.
 *
 * @example
 * ```ts
 * import { specialMathSource } from "./special_math.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const [erf, roundEven] = new Function(`${specialMathSource}; return [erf, roundEven];`)() as
 *   ((x: number) => number)[];
 * assertTrue(Math.abs(erf(0.5) - 0.5204998778130465) < 1e-15);
 * assertTrue(erf(-0.5) === -erf(0.5) && erf(10) === 1);
 * assertTrue(roundEven(2.5) === 2 && roundEven(3.5) === 4 && roundEven(-2.5) === -2);
 * ```
 */
export const specialMathSource = `
function erf(x) {
  const a = Math.abs(x);
  if (!(a < 6)) return Number.isNaN(x) ? NaN : Math.sign(x);
  let r;
  if (a < 3) {
    const x2 = a * a;
    let term = a, sum = a;
    for (let n = 0; n < 200 && term > sum * 1e-17; n++) {
      term *= (2 * x2) / (2 * n + 3);
      sum += term;
    }
    r = 1.1283791670955126 * Math.exp(-x2) * sum;
  } else {
    let t = a;
    for (let k = 60; k >= 1; k--) t = a + (k / 2) / t;
    r = 1 - Math.exp(-a * a) / (1.7724538509055159 * t);
  }
  return x < 0 ? -r : r;
}
function roundEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
`;
