/**
 * A fast `exp` for f32 kernels, as source text that the CPU code generator
 * puts in front of every kernel it compiles.
 *
 * V8's `Math.exp` costs 15–20 ns per element on the machines nugrad is
 * measured on. f32 needs only 24 bits: `e^x = 2^k · e^f` with
 * `k = round(x / ln 2)`, `|f| ≤ ln 2 / 2`, a degree-7 polynomial for `e^f`
 * (relative error below 1e-8) and a table of powers of two, with no branch
 * (the argument is clamped to [-104, 89], beyond which an f32 store gives 0
 * or Infinity anyway; NaN stays NaN): about half the time of `Math.exp`.
 *
 * @module
 */

/**
 * The source defining `fastExp(x)` (and its table), evaluated once per
 * generated kernel module.
 *
 * @example
 * ```ts
 * import { fastExpSource } from "./fast_math.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const fastExp = new Function(`${fastExpSource}; return fastExp;`)() as (x: number) => number;
 * for (const x of [-80, -3.3, 0, 0.5, 1, 10, 80]) {
 *   assertTrue(Math.abs(fastExp(x) / Math.exp(x) - 1) < 3e-8);
 * }
 * // Out of f32's range the value rounds to 0 or Infinity when stored; NaN stays NaN.
 * assertTrue(Math.fround(fastExp(-200)) === 0 && Math.fround(fastExp(200)) === Infinity);
 * assertTrue(Number.isNaN(fastExp(NaN)));
 * ```
 */
export const fastExpSource = `
const POW2 = new Float64Array(301);
for (let i = 0; i < 301; i++) POW2[i] = Math.pow(2, i - 150);
function fastExp(x) {
  const c = x < -104 ? -104 : x > 89 ? 89 : x;
  const k = Math.floor(c * 1.4426950408889634 + 0.5);
  const f = c - k * 0.6931471805599453;
  const p = 1 + f * (1 + f * (0.5 + f * (0.16666666666666666 + f * (0.041666666666666664 +
    f * (0.008333333333333333 + f * (0.001388888888888889 + f * 0.0001984126984126984))))));
  return p * POW2[k + 150];
}
`;

/**
 * {@linkcode fastExpSource}'s `fastExp` as a function, for hand-written f32 kernels
 * (cross-entropy). Accurate to f32 rounding; f64 kernels keep `Math.exp`.
 *
 * @example
 * ```ts
 * import { fastExp } from "./fast_math.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(Math.abs(fastExp(1.5) / Math.exp(1.5) - 1) < 3e-8);
 * ```
 */
export const fastExp: (x: number) => number = new Function(
  `${fastExpSource}\nreturn fastExp;`,
)() as (x: number) => number;
