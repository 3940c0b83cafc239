/**
 * Row normalization: `x / ‖x‖` along an axis, composed from primitives.
 *
 * @module
 */
import { type Tensor, tidy } from "../tensor.ts";
import { add, isFloat, mul, rsqrt } from "./elementwise.ts";
import { sum } from "./reduce.ts";
import { normalizeAlong } from "./optimizer_kernels.ts";

/**
 * `x / sqrt(sum(x², axis) + eps)`: unit L2 norm along `axis` (default last); `eps` (default 0)
 * guards all-zero rows. A matrix's rows or columns run as one fused primitive (one kernel),
 * other shapes as a composition; both are differentiable.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../../testing/all_close.ts";
 * import { l2Normalize, tensor } from "../../mod.ts";
 * await assertAllClose(l2Normalize(tensor([[3, 4]])), [[0.6, 0.8]]);
 * await assertAllClose(l2Normalize(tensor([[[3], [4]]]), { axis: 1 }), [[[0.6], [0.8]]]);
 * ```
 */
export function l2Normalize(x: Tensor, opts: { axis?: number; eps?: number } = {}): Tensor {
  if (!isFloat(x.dtype)) throw new Error(`l2Normalize: needs a float tensor, got ${x.dtype}`);
  const axis = opts.axis ?? -1;
  const eps = opts.eps ?? 0;
  if (x.rank === 2 && (axis === 0 || axis === 1 || axis === -1) && eps >= 0) {
    return normalizeAlong(x, axis === 0 ? 0 : -1, { eps });
  }
  return tidy(() => mul(x, rsqrt(add(sum(mul(x, x), { axis, keepdims: true }), eps))));
}
