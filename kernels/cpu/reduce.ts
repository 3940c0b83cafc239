/**
 * Reductions: `reduceSum`, `reduceMax` over sorted unique axes (kept as
 * size 1), and the fused `logSoftmax` along the last axis.
 *
 * A reduction walks its input once in memory order. The accumulator is a
 * `Float64Array` of the output's size, walked with stride 0 along reduced
 * axes: reducing the last axis becomes a local sum per row, reducing leading
 * axes becomes contiguous row additions. f32 inputs accumulate in f64.
 *
 * @module
 */
import type { DataArray, OutSpec, PrimParams } from "../backend.ts";
import { sizeOf, stridesOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import { forEachRow, planStrided } from "./indexing.ts";
import type { CpuAlloc, CpuOperand } from "./kernel.ts";
import { expOrZero } from "./exp.ts";

/** Plan a walk over the input with the accumulator's strides (0 on reduced axes). */
function reducePlan(x: CpuOperand, axes: readonly number[]) {
  const accShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const accStrides = stridesOf(accShape).map((s, i) => (axes.includes(i) ? 0 : s));
  return {
    plan: planStrided(x.shape, [stridesOf(x.shape), accStrides]),
    accSize: sizeOf(accShape),
  };
}

/**
 * When the reduced axes are exactly a trailing run (`trailing`) or a leading
 * run of axes, the input is `outer` rows of `inner` elements: `[outer, inner,
 * trailing]`. Null otherwise (the general strided walk handles it).
 */
function contiguousSplit(
  shape: readonly number[],
  axes: readonly number[],
): [number, number, boolean] | null {
  const rank = shape.length;
  const k = axes.length;
  if (k === 0 || rank === 0) return null;
  const isRun = axes.every((a, i) => a === axes[0] + i);
  if (!isRun) return null;
  if (axes[k - 1] === rank - 1) {
    return [sizeOf(shape.slice(0, rank - k)), sizeOf(shape.slice(rank - k)), true];
  }
  if (axes[0] === 0) {
    const outer = sizeOf(shape.slice(0, k));
    return [outer, sizeOf(shape.slice(k)), false];
  }
  return null;
}

/** Copy the f64 accumulator into the output dtype. */
function finish(acc: Float64Array, out: OutSpec, alloc: CpuAlloc): DataArray {
  if (out.dtype === "f64") return acc;
  const o = alloc(out.dtype, acc.length);
  for (let i = 0; i < acc.length; i++) o[i] = acc[i];
  return o;
}

/**
 * Sum over `axes`; the output keeps them as size 1.
 *
 * @example
 * ```ts
 * import { reduceSumKernel } from "./reduce.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: "f32" as const };
 * const y = reduceSumKernel([x], { axes: [1] }, { shape: [2, 1], dtype: "f32" });
 * assertEquals([...y], [3, 7]);
 * ```
 */
export function reduceSumKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["reduceSum"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const x = inputs[0];
  const a = x.data;
  const split = contiguousSplit(x.shape, params.axes);
  if (split !== null) {
    const [outer, inner, trailing] = split;
    const acc = new Float64Array(trailing ? outer : inner);
    if (trailing) {
      // Rows of `inner` contiguous elements, one sum each.
      for (let r = 0, i = 0; r < outer; r++) {
        let s = 0;
        const end = i + inner;
        for (; i < end; i++) s += a[i];
        acc[r] = s;
      }
    } else {
      // Leading axes reduced: add `outer` contiguous rows of length `inner`.
      for (let r = 0, i = 0; r < outer; r++) {
        for (let j = 0; j < inner; j++, i++) acc[j] += a[i];
      }
    }
    return finish(acc, out, alloc);
  }
  const { plan, accSize } = reducePlan(x, params.axes);
  const acc = new Float64Array(accSize);
  const last = plan.shape.length - 1;
  const sx = plan.strides[0][last], sAcc = plan.strides[1][last];
  forEachRow(plan, (off, n) => {
    let xi = off[0];
    if (sAcc === 0) {
      let s = 0;
      for (let i = 0; i < n; i++, xi += sx) s += a[xi];
      acc[off[1]] += s;
    } else {
      const end = off[1] + n * sAcc;
      for (let j = off[1]; j < end; j += sAcc, xi += sx) acc[j] += a[xi];
    }
  });
  return finish(acc, out, alloc);
}

/**
 * Maximum over `axes` (NaN propagates; an empty reduction gives -Infinity).
 *
 * @example
 * ```ts
 * import { reduceMaxKernel } from "./reduce.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([1, 5, 3, 4]), shape: [2, 2], dtype: "f32" as const };
 * const y = reduceMaxKernel([x], { axes: [0] }, { shape: [1, 2], dtype: "f32" });
 * assertEquals([...y], [3, 5]);
 * ```
 */
export function reduceMaxKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["reduceMax"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const x = inputs[0];
  const a = x.data;
  const { plan, accSize } = reducePlan(x, params.axes);
  const acc = new Float64Array(accSize).fill(-Infinity);
  const last = plan.shape.length - 1;
  const sx = plan.strides[0][last], sAcc = plan.strides[1][last];
  forEachRow(plan, (off, n) => {
    let xi = off[0];
    if (sAcc === 0) {
      let m = acc[off[1]];
      for (let i = 0; i < n; i++, xi += sx) {
        const v = a[xi];
        if (v > m || v !== v) m = v;
      }
      acc[off[1]] = m;
    } else {
      const end = off[1] + n * sAcc;
      for (let j = off[1]; j < end; j += sAcc, xi += sx) {
        const v = a[xi];
        if (v > acc[j] || v !== v) acc[j] = v;
      }
    }
  });
  return finish(acc, out, alloc);
}

/**
 * `x - max - log(sum(exp(x - max)))` along the last axis, row by row, with
 * the sum accumulated in f64.
 *
 * @example
 * ```ts
 * import { logSoftmaxKernel } from "./reduce.ts";
 * import { assertClose } from "../../testing/assert.ts";
 * const x = { data: new Float64Array([0, 0]), shape: [1, 2], dtype: "f64" as const };
 * const y = logSoftmaxKernel([x], {}, { shape: [1, 2], dtype: "f64" });
 * for (const v of y) assertClose(v, -Math.LN2);
 * ```
 */
export function logSoftmaxKernel(
  inputs: readonly CpuOperand[],
  _params: PrimParams["logSoftmax"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const x = inputs[0];
  const a = x.data;
  const size = sizeOf(x.shape);
  const o = alloc(out.dtype, size);
  const n = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
  if (n === 0) return o;
  for (let start = 0; start < size; start += n) {
    const end = start + n;
    let m = -Infinity;
    for (let i = start; i < end; i++) {
      const v = a[i];
      if (v > m || v !== v) m = v;
    }
    let s = 0;
    for (let i = start; i < end; i++) s += expOrZero(a[i] - m);
    const lse = m + Math.log(s);
    for (let i = start; i < end; i++) o[i] = a[i] - lse;
  }
  return o;
}
