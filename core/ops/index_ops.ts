/**
 * NumPy-style indexing helpers in the functional style (each returns a new
 * tensor): `take`, `takeAlongAxis`, `maskedFill` (a `where`) and
 * `booleanMask` (whose size depends on the data, so it reads the mask back
 * and is async).
 *
 * @module
 */
import { normalizeAxis } from "../shape.ts";
import { fmtShape, Tensor, tidy } from "../tensor.ts";
import { fromData } from "./create.ts";
import { add, isFloat, lt, mul, where } from "./elementwise.ts";
import { gather, oneHot } from "./indexing.ts";
import { sum } from "./reduce.ts";
import { expandDims, reshape, swapAxes } from "./shape.ts";

function checkIndices(op: string, indices: Tensor): void {
  if (!(indices instanceof Tensor)) throw new Error(`${op}: indices must be a Tensor`);
  indices.assertLive(op);
  if (indices.dtype !== "i32") {
    throw new Error(`${op}: indices must be i32, got ${indices.dtype} ${fmtShape(indices.shape)}`);
  }
}

/**
 * Entries of `x` at i32 `indices` along `axis` (NumPy `take`): the result's
 * shape is `x.shape[:axis] + indices.shape + x.shape[axis+1:]`; without an
 * axis, `x` is flattened first. Negative indices count from the end;
 * indices still out of range read 0.
 *
 * @example
 * ```ts
 * import { take, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * const i = tensor([2, -3], { dtype: "i32" });
 * assertEquals(await take(x, i, { axis: 1 }).toArray(), [[3, 1], [6, 4]]);
 * assertEquals(await take(x, i).toArray(), [3, 4]);
 * ```
 */
export function take(x: Tensor, indices: Tensor, opts: { axis?: number } = {}): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`take: expected a Tensor, got ${typeof x}`);
  x.assertLive("take");
  checkIndices("take", indices);
  const src = opts.axis === undefined ? reshape(x, [-1]) : x;
  const axis = normalizeAxis("take", opts.axis ?? 0, src.rank);
  const n = src.shape[axis];
  return tidy(() => {
    const wrapped = where(lt(indices, 0), add(indices, n), indices);
    return gather(src, wrapped, { axis });
  });
}

/**
 * `out[..., i, ...] = x[..., indices[..., i, ...], ...]` along `axis` (NumPy
 * `take_along_axis`): `indices` has `x`'s rank, its other axes broadcast
 * against `x`'s. Differentiable in `x` (a one-hot contraction).
 *
 * @example
 * ```ts
 * import { argmax, expandDims, takeAlongAxis, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = tensor([[1, 9, 3], [8, 2, 4]]);
 * const i = expandDims(argmax(x, { axis: 1 }), 1);
 * assertEquals(await takeAlongAxis(x, i, { axis: 1 }).toArray(), [[9], [8]]);
 * ```
 */
export function takeAlongAxis(x: Tensor, indices: Tensor, opts: { axis: number }): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`takeAlongAxis: expected a Tensor, got ${typeof x}`);
  x.assertLive("takeAlongAxis");
  checkIndices("takeAlongAxis", indices);
  if (!isFloat(x.dtype)) {
    throw new Error(`takeAlongAxis: needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  if (indices.rank !== x.rank) {
    throw new Error(
      `takeAlongAxis: indices ${fmtShape(indices.shape)} must have x's rank (${fmtShape(x.shape)})`,
    );
  }
  const axis = normalizeAxis("takeAlongAxis", opts?.axis, x.rank);
  const last = x.rank - 1;
  return tidy(() => {
    // Move `axis` last in both, so that the one-hot's depth meets x's entries.
    const xl = swapAxes(x, axis, last), il = swapAxes(indices, axis, last);
    const n = xl.shape[last];
    const wrapped = where(lt(il, 0), add(il, n), il);
    const hot = oneHot(wrapped, n, { dtype: x.dtype }); // [..., k, n]
    const picked = sum(mul(hot, expandDims(xl, -2)), { axis: -1 }); // [..., k]
    return swapAxes(picked, axis, last);
  });
}

/**
 * `x` with `value` where `mask` (bool, broadcast against `x`) is true:
 * `where(mask, value, x)`.
 *
 * @example
 * ```ts
 * import { maskedFill, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const y = maskedFill(tensor([1, 2, 3]), tensor([true, false, true]), 0);
 * assertEquals(await y.toArray(), [0, 2, 0]);
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  if (!(mask instanceof Tensor) || mask.dtype !== "bool") {
    throw new Error(
      `maskedFill: mask must be a bool Tensor, got ${
        mask instanceof Tensor ? `${mask.dtype} ${fmtShape(mask.shape)}` : typeof mask
      }`,
    );
  }
  return where(mask, value, x);
}

/**
 * The entries of `x` where `mask` (bool, `x`'s shape) is true, in row-major
 * order, as a 1-D tensor (NumPy `x[mask]`). The result's size depends on the
 * mask's values, so the mask is read back: async, and not for use inside
 * `jit`. Differentiable in `x` (a gather).
 *
 * @example
 * ```ts
 * import { booleanMask, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = tensor([[1, 2], [3, 4]]);
 * const y = await booleanMask(x, tensor([[true, false], [false, true]]));
 * assertEquals(await y.toArray(), [1, 4]);
 * ```
 */
export async function booleanMask(x: Tensor, mask: Tensor): Promise<Tensor> {
  if (!(x instanceof Tensor)) throw new Error(`booleanMask: expected a Tensor, got ${typeof x}`);
  if (!(mask instanceof Tensor) || mask.dtype !== "bool") {
    throw new Error(`booleanMask: mask must be a bool Tensor`);
  }
  if (mask.shape.join() !== x.shape.join()) {
    throw new Error(
      `booleanMask: mask ${fmtShape(mask.shape)} must have x's shape ${fmtShape(x.shape)}`,
    );
  }
  const bits = await mask.data();
  const at: number[] = [];
  for (let i = 0; i < bits.length; i++) if (bits[i]) at.push(i);
  return tidy(() => {
    const idx = fromData(new Int32Array(at), [at.length], { dtype: "i32", backend: x.backend });
    return gather(reshape(x, [-1]), idx);
  });
}
