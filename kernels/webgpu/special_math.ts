/**
 * WGSL scalar functions WGSL lacks, prepended to a generated kernel that uses
 * them: `erf_f`, `log1p_f`, `expm1_f` (f32). Each avoids WGSL's `log` near 1,
 * whose error bound there is absolute (2⁻²¹), not relative:
 *
 * - `log1p_f`: `2·atanh(s)`, `s = x / (2 + x)`, as an odd series in `s` for
 *   `-0.5 < x < 1` (`|s| ≤ 1/3`); `log(1 + x)` elsewhere.
 * - `expm1_f`: its Taylor series for `|x| < 0.5`; `exp(x) - 1` elsewhere.
 * - `erf_f`: its Maclaurin series for `|x| < 2`; `1 - erfc(x)` by erfc's
 *   continued fraction up to 4; `±1` beyond (erfc(4) is below f32's
 *   resolution around 1).
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
  return exp(x) - 1.0;
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
  if (a < 2.0) {
    let x2 = a * a;
    var term = a;
    var sum = a;
    for (var n = 1; n < 32; n++) {
      term *= -x2 / f32(n);
      sum += term / f32(2 * n + 1);
    }
    r = 1.1283791670955126 * sum;
  } else if (a < 4.0) {
    var t = a;
    for (var k = 40; k >= 1; k--) { t = a + (f32(k) * 0.5) / t; }
    r = 1.0 - exp(-a * a) / (1.7724538509055159 * t);
  } else {
    r = 1.0;
  }
  return select(r, -r, x < 0.0);
}
`;
