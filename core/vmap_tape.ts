/**
 * Gradient tapes meet `vmap`. A tape records the primitives that actually run — on the
 * unbatched storage under every vmap level — so `grad` inside `vmap` watches the storage of its
 * arguments, seeds the storage of its output, and hands the storage's gradient back wrapped the
 * way the argument was. An argument must be batched at every active level first: each member
 * then has its own copy, and its gradient is that member's alone (per-example gradients of
 * shared weights).
 *
 * @module
 */
import { bind } from "./bind.ts";
import type { Tensor } from "./tensor.ts";
import { activeLevels, BatchedTensor } from "./vmap_batched.ts";
import { insertAxis, moveAxis } from "./vmap_rules.ts";

/**
 * The tensor all of `t`'s vmap levels stand for (`t` itself when it is not batched).
 *
 * @example
 * ```ts
 * import { baseOf } from "./vmap_tape.ts";
 * import { BatchedTensor } from "./vmap_batched.ts";
 * import { ones } from "./ops/create.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(baseOf(new BatchedTensor(ones([3, 2]), 1, 1)).shape, [3, 2]);
 * ```
 */
export function baseOf(t: Tensor): Tensor {
  let x = t;
  while (x instanceof BatchedTensor) x = x.value;
  return x;
}

/**
 * `t` batched at every active vmap level (shared values broadcast to one copy per member), as
 * a fresh tensor: what `grad` differentiates with respect to. `t` itself outside `vmap`.
 *
 * @example
 * ```ts
 * import { batchedAtEveryLevel } from "./vmap_tape.ts";
 * import { ones } from "./ops/create.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * const t = ones([2]);
 * assertTrue(batchedAtEveryLevel(t) === t);
 * ```
 */
export function batchedAtEveryLevel(t: Tensor): Tensor {
  const sizes = activeLevels();
  if (sizes.length === 0) return t;
  const build = (x: Tensor, level: number): Tensor => {
    if (level === 0) return bind("alias", [x], {});
    if (x instanceof BatchedTensor && x.level === level) {
      return new BatchedTensor(build(x.value, level - 1), level, x.axis);
    }
    // Not batched at this level: one copy per member, batch axis first.
    const copies = insertAxis(x, 0, sizes[level - 1]);
    return new BatchedTensor(build(copies, level - 1), level, 0);
  };
  return build(t, sizes.length);
}

/**
 * The storage-level tensor `g` (shaped like `baseOf(like)`) wrapped with `like`'s vmap levels.
 *
 * @example
 * ```ts
 * import { wrapLike } from "./vmap_tape.ts";
 * import { BatchedTensor } from "./vmap_batched.ts";
 * import { ones, zeros } from "./ops/create.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const like = new BatchedTensor(ones([3, 2]), 1, 0);
 * assertEquals(wrapLike(zeros([3, 2]), like).shape, [2]);
 * ```
 */
export function wrapLike(g: Tensor, like: Tensor): Tensor {
  if (!(like instanceof BatchedTensor)) return g;
  return new BatchedTensor(wrapLike(g, like.value), like.level, like.axis);
}

/**
 * A cotangent `ct` for output `out` (both as the function sees them), laid out like
 * `baseOf(out)`: batched the same way at each of `out`'s levels (broadcast where `ct` is shared).
 *
 * @example
 * ```ts
 * import { storageLike } from "./vmap_tape.ts";
 * import { BatchedTensor } from "./vmap_batched.ts";
 * import { ones, tensor } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const out = new BatchedTensor(ones([2, 3]), 1, 1);
 * assertEquals(await storageLike(tensor([1, 2]), out).toArray(), [[1, 1, 1], [2, 2, 2]]);
 * ```
 */
export function storageLike(ct: Tensor, out: Tensor): Tensor {
  if (!(out instanceof BatchedTensor)) return ct;
  let value: Tensor;
  if (ct instanceof BatchedTensor && ct.level === out.level) {
    value = moveAxis(ct.value, ct.axis, out.axis);
  } else if (ct instanceof BatchedTensor && ct.level > out.level) {
    throw new Error(
      `vjp: the cotangent is batched by a vmap (level ${ct.level}) inside the one the output ` +
        `was computed in (level ${out.level}); call vjp inside that vmap instead`,
    );
  } else value = insertAxis(ct, out.axis, out.batchSize);
  return storageLike(value, out.value);
}
