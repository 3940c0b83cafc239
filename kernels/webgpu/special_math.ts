/**
 * WGSL scalar functions WGSL lacks, prepended to a generated kernel that uses
 * them: `erf_f`, `log1p_f`, `expm1_f` (f32). Each avoids WGSL's `log` near 1,
 * whose error bound there is absolute (2⁻²¹), not relative:
 *
 * - `log1p_f`: `2·atanh(s)`, `s = x / (2 + x)`, as an odd series in `s` for
 *   `-0.5 < x < 1` (`|s| ≤ 1/3`); `log(1 + x)` elsewhere.
 * - `expm1_f`: its Taylor series for `|x| < 0.5`; `exp(x) - 1` elsewhere, with an
 *   exp of its own (`exp_f`: WGSL's may be off by 3 + 2|x| ulp).
 * - `erf_f`: its Maclaurin series, as a polynomial in `x²` by Horner's rule,
 *   for `|x| < 0.9`; `1 - erfc(x)` by erfc's continued fraction (60 terms) up
 *   to 4; `±1` beyond (erfc(4) is below f32's resolution around 1). The
 *   series summed term by term lost 3–4 bits to cancellation near `|x| = 2`
 *   (12 ulp measured on lavapipe); split at 0.9 both parts stay within 2 ulp
 *   in an f32 emulation.
 *
 * @module
 */

/**
 * The WGSL source of `erf_f`, `log1p_f` and `expm1_f`.
 *
 * @example
 * ```ts
 * import { SPECIAL_WGSL } from "./special_math.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(["fn erf_f", "fn log1p_f", "fn expm1_f"].every((f) => SPECIAL_WGSL.includes(f)));
 * ```
 */
export const SPECIAL_WGSL = `
fn log1p_f(x: f32) -> f32 {
  if (x > -0.5 && x < 1.0) {
    let s = x / (2.0 + x);
    let s2 = s * s;
    var p = 1.0 / 19.0;
    for (var k = 8; k >= 0; k--) { p = 1.0 / f32(2 * k + 1) + s2 * p; }
    return 2.0 * s * p;
  }
  return log(1.0 + x);
}
fn expm1_f(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    var p = 1.0 / 3628800.0;
    for (var k = 9; k >= 1; k--) { p = 1.0 / f32(fact_f(k)) + x * p; }
    return x * p;
  }
  return exp_f(x) - 1.0;
}
// e^x to about 1 ulp (WGSL's exp may be off by 3 + 2|x| ulp; lavapipe's was 8.7 ulp at x = 9.7):
// x = n ln 2 + r with ln 2 in two parts, e^r by its Taylor polynomial, then 2^n by ldexp.
fn exp_f(x: f32) -> f32 {
  if (x > 88.72284) { return exp(x); } // overflow to +Inf, as exp does
  if (x < -87.33654) { return exp(x); } // subnormal or 0
  let n = round(x * 1.442695);
  let r = (x - n * 0.693145752) - n * 1.42860677e-6;
  var p = 1.0 / 5040.0;
  for (var k = 6; k >= 0; k--) { p = 1.0 / f32(fact_f(k)) + r * p; }
  return ldexp(p, i32(n));
}
fn fact_f(k: i32) -> i32 {
  var r = 1;
  for (var i = 2; i <= k; i++) { r *= i; }
  return r;
}
fn erf_f(x: f32) -> f32 {
  let a = abs(x);
  if (a != a) { return x; }
  var r: f32;
  if (a < 0.9) {
    // Σ (-1)^k x^(2k+1) / (k! (2k+1)), k ≤ 12, as a polynomial in x².
    let x2 = a * a;
    var p = 0.0;
    for (var k = 12; k >= 0; k--) {
      let c = select(1.0, -1.0, k % 2 == 1) / (f32(fact_f(k)) * f32(2 * k + 1));
      p = c + x2 * p;
    }
    r = 1.1283791670955126 * a * p;
  } else if (a < 4.0) {
    var t = a;
    for (var k = 60; k >= 1; k--) { t = a + (f32(k) * 0.5) / t; }
    r = 1.0 - exp(-a * a) / (1.7724538509055159 * t);
  } else {
    r = 1.0;
  }
  return select(r, -r, x < 0.0);
}
`;
