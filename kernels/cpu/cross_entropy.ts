/**
 * Fused softmax cross-entropy along the last axis, forward and backward,
 * one pass over each row (plus the max), with sums in f64.
 *
 * @module
 */
import type { DataArray, OutSpec, PrimParams } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import type { CpuAlloc, CpuOperand } from "./kernel.ts";
import { expOrZero } from "./exp.ts";
import { fastExp } from "./fast_math.ts";
import { findBadIndex, indexError } from "../index_error.ts";

/** Refuse a target outside `[0, n)` (named as the user's `crossEntropy`). */
function checkTargets(t: CpuOperand, n: number): void {
  const bad = findBadIndex("crossEntropy", t.data, t.shape, n);
  if (bad !== null) throw indexError(bad);
}

function rowMax(a: DataArray, start: number, end: number): number {
  let m = -Infinity;
  for (let i = start; i < end; i++) {
    const v = a[i];
    if (v > m || v !== v) m = v;
  }
  return m;
}

/**
 * Per row: `logsumexp(x) - x[target]`; a target outside the row is refused.
 *
 * @example
 * ```ts
 * import { crossEntropyKernel } from "./cross_entropy.ts";
 * import { assertClose } from "../../testing/assert.ts";
 * const x = { data: new Float64Array([0, 0]), shape: [1, 2], dtype: "f64" as const };
 * const t = { data: new Int32Array([1]), shape: [1], dtype: "i32" as const };
 * const loss = crossEntropyKernel([x, t], {}, { shape: [1], dtype: "f64" });
 * assertClose(loss[0], Math.LN2);
 * ```
 */
export function crossEntropyKernel(
  inputs: readonly CpuOperand[],
  _params: PrimParams["crossEntropy"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const [x, t] = inputs;
  const a = x.data, targets = t.data;
  const rows = sizeOf(out.shape);
  const n = x.shape[x.shape.length - 1];
  checkTargets(t, n);
  const o = alloc(out.dtype, rows);
  const ex = a instanceof Float32Array ? fastExp : expOrZero;
  for (let r = 0; r < rows; r++) {
    const start = r * n, end = start + n;
    const m = rowMax(a, start, end);
    let s = 0;
    for (let i = start; i < end; i++) s += ex(a[i] - m);
    const target = targets[r];
    o[r] = m + Math.log(s) - a[start + target];
  }
  return o;
}

/**
 * Per row: `(softmax(x) - oneHot(target)) * g`.
 *
 * @example
 * ```ts
 * import { crossEntropyGradKernel } from "./cross_entropy.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float64Array([0, 0]), shape: [1, 2], dtype: "f64" as const };
 * const t = { data: new Int32Array([1]), shape: [1], dtype: "i32" as const };
 * const g = { data: new Float64Array([1]), shape: [1], dtype: "f64" as const };
 * const dx = crossEntropyGradKernel([x, t, g], {}, { shape: [1, 2], dtype: "f64" });
 * assertEquals([...dx], [0.5, -0.5]);
 * ```
 */
export function crossEntropyGradKernel(
  inputs: readonly CpuOperand[],
  _params: PrimParams["crossEntropyGrad"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const [x, t, g] = inputs;
  const a = x.data, targets = t.data, gd = g.data;
  const size = sizeOf(out.shape);
  const n = x.shape[x.shape.length - 1];
  checkTargets(t, n);
  const o = alloc(out.dtype, size);
  if (n === 0) return o;
  const ex = a instanceof Float32Array ? fastExp : expOrZero;
  for (let start = 0, r = 0; start < size; start += n, r++) {
    const end = start + n;
    const m = rowMax(a, start, end);
    let s = 0;
    for (let i = start; i < end; i++) s += o[i] = ex(a[i] - m);
    const scale = gd[r] / s;
    for (let i = start; i < end; i++) o[i] *= scale;
    const target = targets[r];
    o[start + target] -= gd[r];
  }
  return o;
}
