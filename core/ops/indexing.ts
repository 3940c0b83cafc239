/**
 * `gather` (NumPy `take`) and its transpose `scatterAdd`; `oneHot` and
 * `takeAlongLastAxis` composed.
 *
 * @module
 */
import { defineRule } from "../bind.ts";
import type { DType } from "../../kernels/backend.ts";
import { bind, type Rule } from "../bind.ts";
import { normalizeAxis } from "../shape.ts";
import { fmtShape, type Tensor } from "../tensor.ts";
import { arange } from "./create.ts";
import { cast, eq, isFloat, mul } from "./elementwise.ts";
import { sum } from "./reduce.ts";
import { expandDims } from "./shape.ts";
import { tidy } from "../tensor.ts";
import { checkIndexRange } from "../checks.ts";

/** The `gather` primitive's rule. */
export const gatherRule: Rule<"gather"> = defineRule("gather", {
  outSpec: ([x, idx], { axis }) => ({
    shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)],
    dtype: x.dtype,
  }),
  vjp: (g, { inputs: [x, idx], params: { axis } }) => [
    bind("scatterAdd", [g, idx], { axis, size: x.shape[axis] }),
    null,
  ],
});

/** The `scatterAdd` primitive's rule. */
export const scatterAddRule: Rule<"scatterAdd"> = defineRule("scatterAdd", {
  outSpec: ([g, idx], { axis, size }) => ({
    shape: [...g.shape.slice(0, axis), size, ...g.shape.slice(axis + idx.shape.length)],
    dtype: g.dtype,
  }),
  vjp: (ct, { inputs: [, idx], params: { axis } }) => [bind("gather", [ct, idx], { axis }), null],
});

/**
 * Take entries of `x` along `axis` at i32 `indices`: the result's shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]` (NumPy `take`). An
 * embedding lookup is `gather(table, tokens)`. An index outside
 * `[0, x.shape[axis])` is an error naming the index, its position and the
 * bound (on the CPU always; on WebGPU and in `jit` programs with
 * `checks({ indices: true })`, at the next readback). Unlike JAX, nugrad
 * never clamps an index.
 *
 * @example
 * ```ts
 * import { gather, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const table = tensor([[1, 1], [2, 2], [3, 3]]);
 * assertEquals(await gather(table, tensor([2, 0], { dtype: "i32" })).toArray(), [[3, 3], [1, 1]]);
 * ```
 */
export function gather(x: Tensor, indices: Tensor, opts: { axis?: number } = {}): Tensor {
  x.assertLive("gather");
  indices.assertLive("gather");
  if (indices.dtype !== "i32") throw new Error(`gather: indices must be i32, got ${indices.dtype}`);
  if (x.rank === 0) throw new Error("gather: cannot index a scalar");
  const axis = normalizeAxis("gather", opts.axis ?? 0, x.rank);
  return bind("gather", [x, indices], { axis });
}

/**
 * Sum the rows of `updates` into zeros of size `size` along `axis` at
 * `indices` (the transpose of {@linkcode gather}); an out-of-range index is
 * refused as in {@linkcode gather}.
 *
 * @example
 * ```ts
 * import { scatterAdd, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const y = scatterAdd(tensor([1, 2, 3]), tensor([0, 0, 2], { dtype: "i32" }), 3);
 * assertEquals(await y.toArray(), [3, 0, 3]);
 * ```
 */
export function scatterAdd(
  updates: Tensor,
  indices: Tensor,
  size: number,
  opts: { axis?: number } = {},
): Tensor {
  updates.assertLive("scatterAdd");
  if (indices.dtype !== "i32") {
    throw new Error(`scatterAdd: indices must be i32, got ${indices.dtype}`);
  }
  const axis = opts.axis ?? 0;
  const lead = updates.shape.slice(axis, axis + indices.rank);
  if (lead.length !== indices.rank || lead.some((d, i) => d !== indices.shape[i])) {
    throw new Error(
      `scatterAdd: updates ${fmtShape(updates.shape)} do not have indices' shape ${
        fmtShape(indices.shape)
      } at axis ${axis}`,
    );
  }
  if (!Number.isInteger(size) || size < 0) throw new Error(`scatterAdd: bad size ${size}`);
  return bind("scatterAdd", [updates, indices], { axis, size });
}

/**
 * One-hot vectors: `[..., depth]` with 1 where the last axis equals the index.
 *
 * @example
 * ```ts
 * import { oneHot, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await oneHot(tensor([0, 2], { dtype: "i32" }), 3).toArray(), [[1, 0, 0], [0, 0, 1]]);
 * ```
 */
export function oneHot(indices: Tensor, depth: number, opts: { dtype?: DType } = {}): Tensor {
  if (indices.dtype !== "i32") throw new Error(`oneHot: indices must be i32, got ${indices.dtype}`);
  if (!Number.isInteger(depth) || depth <= 0) {
    throw new Error(`oneHot: depth must be a positive integer, got ${depth}`);
  }
  return tidy(() => {
    const range = arange(0, depth, 1, { dtype: "i32", backend: indices.backend });
    return cast(eq(expandDims(indices, -1), range), opts.dtype ?? "f32");
  });
}

/**
 * `x[..., indices[...]]`: for each row of the last axis, the entry at the
 * row's index (cross-entropy's target pick). `indices` has `x`'s shape minus
 * the last axis. An index outside the last axis is refused on the CPU; on
 * WebGPU (a one-hot product, no index kernel) it picks 0.
 *
 * @example
 * ```ts
 * import { takeAlongLastAxis, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const y = takeAlongLastAxis(tensor([[1, 2], [3, 4]]), tensor([1, 0], { dtype: "i32" }));
 * assertEquals(await y.toArray(), [2, 3]);
 * ```
 */
export function takeAlongLastAxis(x: Tensor, indices: Tensor): Tensor {
  if (!isFloat(x.dtype)) throw new Error(`takeAlongLastAxis: needs a float tensor, got ${x.dtype}`);
  if (indices.rank !== x.rank - 1 || indices.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `takeAlongLastAxis: indices ${fmtShape(indices.shape)} must have the shape of ${
        fmtShape(x.shape)
      } without its last axis`,
    );
  }
  checkIndexRange("takeAlongLastAxis", indices, x.shape[x.rank - 1], { axis: x.rank - 1 });
  return tidy(() =>
    sum(mul(x, oneHot(indices, x.shape[x.rank - 1], { dtype: x.dtype })), { axis: -1 })
  );
}
