/**
 * Step counters as scalar tensors. An optimizer's state keeps its step count
 * as a tensor (not a JavaScript number), so that a whole training step —
 * bias corrections and scheduled learning rates included — can be compiled
 * once by `nu.jit` and replayed: a number would be baked into the trace.
 *
 * @module
 */
import { add, cast, type Tensor, treeLeaves, zeros } from "../core/mod.ts";
import { Tensor as TensorClass } from "../core/mod.ts";
import type { Params } from "./transform.ts";

/**
 * A zero step count on the backend of the first tensor in `params`: an f64 scalar where the
 * backend has f64 (the CPU), else f32. Bias corrections such as `1 − 0.999^t` lose digits to
 * cancellation in f32; computed from an f64 count they are exact to f32 rounding.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { zeroCount } from "./step_count.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(await zeroCount({ w: tensor([1, 2]) }).item(), 0);
 * ```
 */
export function zeroCount(params: Params): Tensor {
  const first = treeLeaves<unknown>(params).find((l) => l instanceof TensorClass) as
    | Tensor
    | undefined;
  if (first === undefined) return zeros([]);
  return zeros([], { backend: first.backend, dtype: countDtype(first) });
}

/**
 * `count + 1`, accepting the plain numbers of states saved before counts were tensors.
 *
 * @example
 * ```ts
 * import { nextCount } from "./step_count.ts";
 * import { tensor } from "../core/mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(await nextCount(tensor(2), tensor([0])).item(), 3);
 * assertEquals(await nextCount(4, tensor([0])).item(), 5);
 * ```
 */
export function nextCount(count: Tensor | number, like: Tensor): Tensor {
  if (count instanceof TensorClass) return add(count, 1);
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    throw new Error(
      `optimizer state: count must be a scalar tensor or an integer >= 0, got ${count}`,
    );
  }
  return add(zeros([], { backend: like.backend, dtype: countDtype(like) }), count + 1);
}

/**
 * `x` in the dtype of `like` (a scalar factor meeting an f64 parameter, say).
 *
 * @example
 * ```ts
 * import { castLike } from "./step_count.ts";
 * import { tensor } from "../core/mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(castLike(tensor(1), tensor([1], { dtype: "f64" })).dtype, "f64");
 * ```
 */
export function castLike(x: Tensor, like: Tensor): Tensor {
  return x.dtype === like.dtype ? x : cast(x, like.dtype);
}

function countDtype(like: Tensor): "f32" | "f64" {
  return like.backend.dtypes.includes("f64") ? "f64" : "f32";
}
