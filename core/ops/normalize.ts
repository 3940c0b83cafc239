/**
 * Row normalization: `x / ‖x‖` along an axis, composed from primitives.
 *
 * @module
 */
import { type Tensor, tidy } from "../tensor.ts";
import { add, isFloat, mul, rsqrt } from "./elementwise.ts";
import { sum } from "./reduce.ts";

/**
 * `x / sqrt(sum(x², axis) + eps)`: unit L2 norm along `axis` (default last).
 * `eps` (default 0) guards all-zero rows.
 *
 * @example
 * ```ts
 * import { l2Normalize, tensor } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * await assertAllClose(l2Normalize(tensor([[3, 4]])), [[0.6, 0.8]]);
 * ```
 */
export function l2Normalize(x: Tensor, opts: { axis?: number; eps?: number } = {}): Tensor {
  if (!isFloat(x.dtype)) throw new Error(`l2Normalize: needs a float tensor, got ${x.dtype}`);
  const axis = opts.axis ?? -1;
  return tidy(() => mul(x, rsqrt(add(sum(mul(x, x), { axis, keepdims: true }), opts.eps ?? 0))));
}
