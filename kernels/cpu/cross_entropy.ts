/**
 * Fused softmax cross-entropy along the last axis, forward and backward,
 * one pass over each row (plus the max), with sums in f64.
 *
 * f32 logits go through two generated kernels (`codegen.ts`, so Wasm SIMD
 * where it runs, split over its threads): each row's maximum, then its sum of
 * `exp(x − max)` (forward) or `exp(x − max) · g / Σ` (backward, the
 * exponentials kept for the second pass); the target's entry is read or
 * corrected here, one per row. Other dtypes run the scalar loops below.
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
import type { FusedKernel } from "../fused.ts";
import { runFusedCpu } from "./codegen.ts";

/** The row kernels of `[rows, n]` f32 logits, kept per shape (compiled once). */
interface RowKernels {
  max: FusedKernel;
  sumExp: FusedKernel;
  grad: FusedKernel;
}
const rowKernels = new Map<string, RowKernels>();

function kernelsFor(rows: number, n: number): RowKernels {
  const key = `${rows}x${n}`;
  let k = rowKernels.get(key);
  if (k !== undefined) return k;
  const f32 = "f32" as const;
  const shape = [rows, n];
  const x = { dtype: f32, strides: [n, 1], offset: 0 };
  const perRow = { dtype: f32, strides: [1, 0], offset: 0 };
  const shifted = [
    { fn: "load", input: 0, dtype: f32 },
    { fn: "load", input: 1, dtype: f32 },
    { fn: "sub", args: [0, 1], dtype: f32 },
    { fn: "exp", args: [2], dtype: f32 },
  ] as const;
  k = {
    max: {
      shape,
      inputs: [x],
      nodes: [{ fn: "load", input: 0, dtype: f32 }],
      outputs: [],
      reduce: { op: "max", node: 0, axes: [1] },
    },
    sumExp: {
      shape,
      inputs: [x, perRow],
      nodes: shifted,
      outputs: [],
      reduce: { op: "sum", node: 3, axes: [1] },
    },
    grad: {
      shape,
      inputs: [x, perRow, perRow],
      nodes: [
        ...shifted,
        { fn: "reduced", dtype: f32 }, // 4: Σ exp
        { fn: "load", input: 2, dtype: f32 }, // 5: g
        { fn: "div", args: [5, 4], dtype: f32 },
        { fn: "mul", args: [3, 6], dtype: f32 },
      ],
      outputs: [7],
      reduce: { op: "sum", node: 3, axes: [1] },
    },
  };
  if (rowKernels.size >= 64) rowKernels.clear();
  rowKernels.set(key, k);
  return k;
}

/** Per-row scratch arrays (the maxima and sums), reused between calls. */
let scratch = new Float32Array(0);
function rowScratch(rows: number): [Float32Array, Float32Array] {
  if (scratch.length < 2 * rows) scratch = new Float32Array(2 * rows);
  return [scratch.subarray(0, rows), scratch.subarray(rows, 2 * rows)];
}

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
  const o = alloc(out.dtype, rows, true);
  if (x.dtype === "f32" && n > 0 && rows > 0) {
    const k = kernelsFor(rows, n);
    const [m, s] = rowScratch(rows);
    runFusedCpu(k.max, [a], [m]);
    runFusedCpu(k.sumExp, [a, m], [s]);
    for (let r = 0; r < rows; r++) o[r] = m[r] + Math.log(s[r]) - a[r * n + targets[r]];
    return o;
  }
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
  if (n === 0) return alloc(out.dtype, size);
  if (x.dtype === "f32" && g.dtype === "f32") {
    const rows = size / n;
    const o = alloc(out.dtype, size, true);
    const k = kernelsFor(rows, n);
    const [m, s] = rowScratch(rows);
    runFusedCpu(k.max, [a], [m]);
    runFusedCpu(k.grad, [a, m, gd], [o, s]);
    for (let r = 0; r < rows; r++) o[r * n + targets[r]] -= gd[r];
    return o;
  }
  const o = alloc(out.dtype, size);
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
