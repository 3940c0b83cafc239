/**
 * Clipping the gradient by its global norm (off by default in `optimizerFor`, spec section 6).
 *
 * @module
 */
import {
  add,
  div,
  maximum,
  minimum,
  mul,
  sqrt,
  square,
  sum,
  type Tensor,
  treeMap,
} from "../core/mod.ts";

import type { GradientTransformation, Params } from "./transform.ts";
import { tensorsOf } from "./transform.ts";

/**
 * The L2 norm of all leaves of a tree together, `sqrt(Σ_leaves Σ g²)`, as a scalar tensor (no
 * readback). Throws on a tree without tensors.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { globalNorm } from "./clip.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(await globalNorm({ a: tensor([3]), b: tensor([[4]]) }).item(), 5);
 * ```
 */
export function globalNorm(tree: Params): Tensor {
  const leaves = tensorsOf(tree);
  if (leaves.length === 0) throw new Error("globalNorm: the tree has no tensors");
  let total = sum(square(leaves[0]));
  for (const leaf of leaves.slice(1)) total = add(total, sum(square(leaf)));
  return sqrt(total);
}

/**
 * Scale the whole update tree by `min(1, maxNorm / ‖g‖)` where `‖g‖` is its
 * {@linkcode globalNorm}: afterwards the global norm is at most `maxNorm`, and the direction is
 * unchanged. Stateless (its state is `{}`); the factor stays on the device.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { clipByGlobalNorm } from "./clip.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const clip = clipByGlobalNorm(1);
 * const g = { w: tensor([3, 4]) };
 * const [u] = clip.update(g, clip.init(g));
 * await assertAllClose(u.w, [0.6, 0.8]);
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<Record<never, never>> {
  if (typeof maxNorm !== "number" || !(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new Error(`clipByGlobalNorm: maxNorm must be a positive finite number, got ${maxNorm}`);
  }
  return {
    init: () => ({}),
    update: (grads, state) => {
      const factor = minimum(div(maxNorm, maximum(globalNorm(grads), 1e-30)), 1);
      return [treeMap((g: Tensor) => mul(g, factor), grads), state];
    },
  };
}
