/**
 * `gather` (NumPy `take` along an axis with i32 indices) and its transpose
 * `scatterAdd`. An index outside `[0, size)` of the axis (negative ones
 * included) is refused with the op, the index, its position and the bound
 * (nugrad never clamps or drops indices); neither kernel ever reads or writes
 * out of bounds.
 *
 * @module
 */
import type { DataArray, OutSpec, PrimParams, Shape } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import type { CpuAlloc, CpuOperand } from "./kernel.ts";
import { findBadIndex, indexError } from "../index_error.ts";

/** `[outer, axisSize, inner]` of a shape split around `axis`. */
function splitAt(shape: Shape, axis: number) {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    axisSize: shape[axis],
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

/**
 * `out[pre, t, post] = x[pre, idx[t], post]`; the output shape is
 * `x.shape[:axis] + idx.shape + x.shape[axis+1:]`.
 *
 * @example
 * ```ts
 * import { gatherKernel } from "./gather.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([10, 20, 30]), shape: [3], dtype: "f32" as const };
 * const idx = { data: new Int32Array([2, 0, 1]), shape: [3], dtype: "i32" as const };
 * const y = gatherKernel([x, idx], { axis: 0 }, { shape: [3], dtype: "f32" });
 * assertEquals([...y], [30, 10, 20]);
 * ```
 */
export function gatherKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["gather"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const [x, idx] = inputs;
  const { outer, axisSize, inner } = splitAt(x.shape, params.axis);
  const ids = idx.data;
  const bad = findBadIndex("gather", ids, idx.shape, axisSize, params.axis);
  if (bad !== null) throw indexError(bad);
  const nIdx = ids.length;
  const src = x.data;
  const o = alloc(out.dtype, sizeOf(out.shape));
  const sameType = src.constructor === o.constructor;
  for (let q = 0; q < outer; q++) {
    for (let t = 0; t < nIdx; t++) {
      const id = ids[t];
      const from = (q * axisSize + id) * inner;
      const to = (q * nIdx + t) * inner;
      // A row copy by `set` costs a view per row: slower than the loop for rows under 64.
      if (inner >= 64 && sameType) o.set(src.subarray(from, from + inner) as typeof o, to);
      else for (let r = 0; r < inner; r++) o[to + r] = src[from + r];
    }
  }
  return o;
}

/** Largest f64 scratch kept between calls (8 MiB); a larger one is allocated each call. */
const MAX_KEPT_SCRATCH = 1 << 20;
let scratch = new Float64Array(0);
/** A zeroed f64 array of at least `length` (reused between calls; kernels run one at a time). */
function f64Scratch(length: number): Float64Array {
  if (length > MAX_KEPT_SCRATCH) return new Float64Array(length);
  if (scratch.length < length) scratch = new Float64Array(length);
  return scratch.fill(0, 0, length);
}

/**
 * The transpose of {@linkcode gatherKernel}: inputs `(g, idx)`;
 * `out[pre, idx[t], post] += g[pre, t, post]` into zeros of `out.shape`
 * (accumulated in f64 for f32).
 *
 * @example
 * ```ts
 * import { scatterAddKernel } from "./gather.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const g = { data: new Float32Array([1, 2, 3]), shape: [3], dtype: "f32" as const };
 * const idx = { data: new Int32Array([1, 1, 0]), shape: [3], dtype: "i32" as const };
 * const y = scatterAddKernel([g, idx], { axis: 0, size: 2 }, { shape: [2], dtype: "f32" });
 * assertEquals([...y], [3, 3]);
 * ```
 */
export function scatterAddKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["scatterAdd"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const [g, idx] = inputs;
  const { outer, axisSize, inner } = splitAt(out.shape, params.axis);
  const ids = idx.data;
  const bad = findBadIndex("scatterAdd", ids, idx.shape, axisSize, params.axis);
  if (bad !== null) throw indexError(bad);
  const nIdx = ids.length;
  const src = g.data;
  // f32 sums in an f64 scratch, then every element of the output is written.
  const o = alloc(out.dtype, sizeOf(out.shape), out.dtype === "f32");
  const acc = out.dtype === "f32" ? f64Scratch(o.length) : o;
  for (let q = 0; q < outer; q++) {
    for (let t = 0; t < nIdx; t++) {
      const id = ids[t];
      const to = (q * axisSize + id) * inner;
      const from = (q * nIdx + t) * inner;
      for (let r = 0; r < inner; r++) acc[to + r] += src[from + r];
    }
  }
  if (acc !== o) { for (let i = 0; i < o.length; i++) o[i] = acc[i]; }
  return o;
}
