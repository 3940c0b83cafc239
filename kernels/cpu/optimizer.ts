/**
 * Optimizer kernels: the fused Adam step (three outputs from one loop) and the
 * fused row/column L2 normalization of a matrix. Both round like the chains of
 * elementwise ops they replace do on this backend.
 *
 * @module
 */
import type { DataArray, MultiPrimParams, OutSpec, PrimParams } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import type { CpuOperand } from "./kernel.ts";

/**
 * `adamUpdate`: `(param, grad, mu, nu)` -> `[param', mu', nu']` in one pass.
 *
 * @example
 * ```ts
 * import { adamUpdateKernel } from "./optimizer.ts";
 * const v = (xs: number[]) => ({ data: new Float64Array(xs), shape: [xs.length], dtype: "f64" as const });
 * const [p] = adamUpdateKernel([v([1]), v([2]), v([0]), v([0])], {
 *   b1: 0.9, b2: 0.95, eps: 0, lr: 0.1, biasCorrection1: 0.1, biasCorrection2: 0.05,
 * }, [{ shape: [1], dtype: "f64" }]);
 * console.log(p); // Float64Array [0.9]
 * ```
 */
export function adamUpdateKernel(
  inputs: readonly CpuOperand[],
  params: MultiPrimParams["adamUpdate"],
  outs: readonly OutSpec[],
): DataArray[] {
  const [p, g, m, v] = inputs.map((x) => x.data);
  const { b1, b2, eps, lr, biasCorrection1: c1, biasCorrection2: c2 } = params;
  const spec = outs[0];
  // Each product and sum is rounded to the output dtype, in the order the unfused chain of
  // `optim/adam.ts` and `optim/scale.ts` rounds them: on this backend both paths agree bit
  // for bit, in f32 and f64.
  const r = spec.dtype === "f32" ? Math.fround : (x: number) => x;
  const rootC2 = Math.sqrt(c2);
  const [kb1, ka1, kb2, ka2] = [r(b1), r(1 - b1), r(b2), r(1 - b2)];
  const epsHat = r(eps * rootC2);
  const scale = r(rootC2 / c1);
  const negLr = r(-lr);
  const n = sizeOf(spec.shape);
  const np = allocFor(spec.dtype, n);
  const nm = allocFor(spec.dtype, n);
  const nv = allocFor(spec.dtype, n);
  if (spec.dtype === "f32") {
    // Math.fround written out (not through `r`) so that V8 inlines it: 3-4x faster.
    const f = Math.fround;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = f(f(m[i] * kb1) + f(gi * ka1));
      const vi = f(f(v[i] * kb2) + f(f(gi * gi) * ka2));
      nm[i] = mi;
      nv[i] = vi;
      const direction = f(f(mi / f(f(Math.sqrt(vi)) + epsHat)) * scale);
      np[i] = p[i] + f(direction * negLr);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = m[i] * kb1 + gi * ka1;
      const vi = v[i] * kb2 + gi * gi * ka2;
      nm[i] = mi;
      nv[i] = vi;
      np[i] = p[i] + (mi / (Math.sqrt(vi) + epsHat)) * scale * negLr;
    }
  }
  return [np, nm, nv];
}

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
): DataArray {
  const x = inputs[0].data;
  const [rows, cols] = inputs[0].shape;
  const y = allocFor(out.dtype, rows * cols);
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
