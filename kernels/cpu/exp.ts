/**
 * `Math.exp` with its underflow taken early: below -745 the result is 0 in
 * f64 anyway, but V8's `Math.exp` takes a slow path there (about 10x slower),
 * and attention's masked scores land there by the thousand.
 *
 * @module
 */

/**
 * `e^x`, returning 0 at once where it underflows.
 *
 * @example
 * ```ts
 * import { expOrZero } from "./exp.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(expOrZero(-1e9), 0);
 * assertEquals(expOrZero(1), Math.E);
 * ```
 */
export function expOrZero(x: number): number {
  return x < -745.2 ? 0 : Math.exp(x);
}
