/**
 * `gather` (NumPy `take`) and its transpose `scatterAdd`; `oneHot` and
 * `takeAlongLastAxis` composed.
 *
 * @module
 */
import { defineRule } from "../bind.ts";
import type { DType } from "../../kernels/backend.ts";
import { bind, type Rule } from "../bind.ts";
import {
  type BatchArg,
  materialize,
  memberOffsets,
  moveAxis,
  physicalAxis,
  reshapeTo,
  toFront,
} from "../vmap_rules.ts";
import { normalizeAxis } from "../shape.ts";
import { fmtShape, type Tensor } from "../tensor.ts";
import { arange, fromData } from "./create.ts";
import { cast, eq, isFloat, mul } from "./elementwise.ts";
import { sum } from "./reduce.ts";
import { expandDims } from "./shape.ts";
import { tidy } from "../tensor.ts";

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
  batch: ([x, idx], { axis }, size) => gatherBatch(x, idx, axis, size),
});

/**
 * Batched gather. Per-member tables with per-member indices: the tables flattened into one
 * (members × rows) and each member's indices offset to its rows, so that one gather serves all.
 */
function gatherBatch(x: BatchArg, idx: BatchArg, axis: number, size: number): BatchArg {
  if (idx.axis === null) {
    const b = x.axis!, pa = physicalAxis(axis, b);
    const value = bind("gather", [x.value, idx.value], { axis: pa });
    return { value, axis: b < pa ? b : b - 1 + idx.value.rank };
  }
  if (x.axis === null) {
    return { value: bind("gather", [x.value, idx.value], { axis }), axis: axis + idx.axis };
  }
  const table = moveAxis(toFront(x), axis + 1, 1); // [B, N, ...pre, ...post]
  const rows = table.shape[1];
  const flat = reshapeTo(table, [size * rows, ...table.shape.slice(2)]);
  const ids = toFront(idx);
  const out = bind("gather", [flat, offsetIndices(ids, size, rows)], { axis: 0 });
  // [B, ...ids, ...pre, ...post] -> [B, ...pre, ...ids, ...post]
  return { value: moveAxes(out, 1, ids.rank - 1, axis), axis: 0 };
}

/**
 * Per-member indices `ids` (`[members, ...]`, each in `[0, rows)`) as indices into the members'
 * tables stacked into one of `members · rows` rows; an index out of range stays out of range
 * (-1), so that it reads 0 (or is dropped) as it would for its member alone.
 */
function offsetIndices(ids: Tensor, members: number, rows: number): Tensor {
  const shifted = bind("binary", [ids, memberOffsets(members, rows, ids.rank, ids)], { op: "add" });
  const scalar = (v: number) => fromData([v], [], { dtype: "i32", backend: ids.backend });
  const inRange = bind("binary", [
    bind("cast", [bind("compare", [ids, scalar(0)], { op: "ge" })], { to: "i32" }),
    bind("cast", [bind("compare", [ids, scalar(rows)], { op: "lt" })], { to: "i32" }),
  ], { op: "mul" });
  return bind("where", [bind("cast", [inRange], { to: "bool" }), shifted, scalar(-1)], {});
}

/** `x` with its `count` axes from `from` moved after the `skip` axes that follow them. */
function moveAxes(x: Tensor, from: number, count: number, skip: number): Tensor {
  if (count === 0 || skip === 0) return x;
  const axes = [...x.shape.keys()];
  const moved = axes.slice(from, from + count);
  const skipped = axes.slice(from + count, from + count + skip);
  const perm = [...axes.slice(0, from), ...skipped, ...moved, ...axes.slice(from + count + skip)];
  return bind("transpose", [x], { perm });
}

/** Batched scatterAdd: the transpose of {@linkcode gatherBatch}'s flattening. */
function scatterAddBatch(
  g: BatchArg,
  idx: BatchArg,
  params: { axis: number; size: number },
  members: number,
): BatchArg {
  const { axis, size } = params;
  if (idx.axis === null) {
    return {
      value: bind("scatterAdd", [toFront(g), idx.value], { axis: axis + 1, size }),
      axis: 0,
    };
  }
  const ids = toFront(idx);
  const ir = ids.rank - 1;
  // [B, ...pre, ...ids, ...post] -> [B, ...ids, ...pre, ...post]
  const updates = moveAxes(materialize(g, members), 1, axis, ir);
  const shifted = offsetIndices(ids, members, size);
  const flat = bind("scatterAdd", [updates, shifted], { axis: 0, size: members * size });
  const split = reshapeTo(flat, [members, size, ...flat.shape.slice(1)]);
  return { value: moveAxis(split, 1, 1 + axis), axis: 0 };
}

/** The `scatterAdd` primitive's rule. */
export const scatterAddRule: Rule<"scatterAdd"> = defineRule("scatterAdd", {
  outSpec: ([g, idx], { axis, size }) => ({
    shape: [...g.shape.slice(0, axis), size, ...g.shape.slice(axis + idx.shape.length)],
    dtype: g.dtype,
  }),
  vjp: (ct, { inputs: [, idx], params: { axis } }) => [bind("gather", [ct, idx], { axis }), null],
  batch: ([g, idx], params, size) => scatterAddBatch(g, idx, params, size),
});

/**
 * Take entries of `x` along `axis` at i32 `indices`: the result's shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]` (NumPy `take`). An
 * embedding lookup is `gather(table, tokens)`. Indices out of range read 0.
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
 * `indices` (the transpose of {@linkcode gather}); out-of-range indices are
 * dropped.
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
 * the last axis.
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
  return tidy(() =>
    sum(mul(x, oneHot(indices, x.shape[x.rank - 1], { dtype: x.dtype })), { axis: -1 })
  );
}
