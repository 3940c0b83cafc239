/**
 * Batched matmul: BLAS per batch element when a library is open, else a
 * cache-blocked i-k-j loop in TypeScript.
 *
 * `a` is `[...batchA, m, k]` (stored `[..., k, m]` with `transA`), `b` is
 * `[...batchB, k, n]` (stored `[..., n, k]` with `transB`); batch dims
 * broadcast right-aligned to the output's `[...batch, m, n]`.
 *
 * @module
 */
import type { DataArray, OutSpec, PrimParams, Shape } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import type { Blas } from "./blas.ts";
import { broadcastStrides, forEachRow, type NumArray, planStrided } from "./indexing.ts";
import type { CpuOperand } from "./kernel.ts";

/** Rows of `k` per block and columns of `n` per block in the fallback. */
const K_BLOCK = 128;
const N_BLOCK = 256;

/** One matrix product for the fallback, with offsets into the batched arrays. */
interface GemmView {
  a: NumArray;
  aOff: number;
  b: NumArray;
  bOff: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

/**
 * `c[cOff..] = op(A) op(B)` with an i-k-j loop blocked over k and n, so a
 * `K_BLOCK x N_BLOCK` panel of B stays in cache while every row of A passes.
 * `c` is an f64 scratch (f32 products accumulate in f64). A `transB` operand
 * is first packed into `packed` as `[k, n]`; `transA` is folded into indexing.
 *
 * @example
 * ```ts
 * import { gemmFallback } from "./matmul.ts";
 * const c = new Float64Array(1);
 * gemmFallback({ a: new Float32Array([1, 2]), aOff: 0, b: new Float32Array([3, 4]), bOff: 0,
 *   m: 1, n: 1, k: 2, transA: false, transB: false }, c, 0); // c = [11]
 * ```
 */
export function gemmFallback(v: GemmView, c: Float64Array, cOff: number): void {
  const { a, aOff, m, n, k, transA } = v;
  let b = v.b, bOff = v.bOff;
  if (v.transB) {
    const packed = new Float64Array(k * n);
    for (let j = 0; j < n; j++) {
      const row = bOff + j * k;
      for (let p = 0; p < k; p++) packed[p * n + j] = b[row + p];
    }
    b = packed;
    bOff = 0;
  }
  // A(i, p) lives at aOff + i*aRow + p*aCol.
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  c.fill(0, cOff, cOff + m * n);
  for (let j0 = 0; j0 < n; j0 += N_BLOCK) {
    const j1 = Math.min(n, j0 + N_BLOCK);
    for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
      const p1 = Math.min(k, p0 + K_BLOCK);
      for (let i = 0; i < m; i++) {
        const cRow = cOff + i * n;
        const aBase = aOff + i * aRow;
        let p = p0;
        // Four rows of B per pass: one load and store of C for four multiply-adds.
        for (; p + 3 < p1; p += 4) {
          const a0 = a[aBase + p * aCol], a1 = a[aBase + (p + 1) * aCol];
          const a2 = a[aBase + (p + 2) * aCol], a3 = a[aBase + (p + 3) * aCol];
          const r0 = bOff + p * n - cRow, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
          for (let j = cRow + j0, end = cRow + j1; j < end; j++) {
            c[j] += a0 * b[r0 + j] + a1 * b[r1 + j] + a2 * b[r2 + j] + a3 * b[r3 + j];
          }
        }
        for (; p < p1; p++) {
          const aip = a[aBase + p * aCol];
          const bRow = bOff + p * n - cRow;
          for (let j = cRow + j0, end = cRow + j1; j < end; j++) c[j] += aip * b[bRow + j];
        }
      }
    }
  }
}

/** Matrix offsets (in elements) of each output batch element in `a` and `b`. */
function batchOffsets(aShape: Shape, bShape: Shape, outShape: Shape) {
  const batch = outShape.slice(0, -2);
  const matA = aShape[aShape.length - 2] * aShape[aShape.length - 1];
  const matB = bShape[bShape.length - 2] * bShape[bShape.length - 1];
  const sa = broadcastStrides(aShape.slice(0, -2), batch).map((s) => s * matA);
  const sb = broadcastStrides(bShape.slice(0, -2), batch).map((s) => s * matB);
  const aOffs: number[] = [], bOffs: number[] = [];
  const plan = planStrided(batch, [sa, sb]);
  const last = plan.shape.length - 1;
  forEachRow(plan, (off, n) => {
    for (let i = 0; i < n; i++) {
      aOffs.push(off[0] + i * plan.strides[0][last]);
      bOffs.push(off[1] + i * plan.strides[1][last]);
    }
  });
  return { aOffs, bOffs };
}

/**
 * The matmul kernel. Uses `blas` (if given, for f32/f64) per batch element,
 * else {@linkcode gemmFallback}; i32 always uses the fallback.
 *
 * @example
 * ```ts
 * import { matmulKernel } from "./matmul.ts";
 * const a = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: "f32" as const };
 * const params = { transA: false, transB: true };
 * matmulKernel(null, [a, a], params, { shape: [2, 2], dtype: "f32" }); // [5, 11, 11, 25]
 * ```
 */
export function matmulKernel(
  blas: Blas | null,
  inputs: readonly CpuOperand[],
  params: PrimParams["matmul"],
  out: OutSpec,
): DataArray {
  const [x, y] = inputs;
  const { transA, transB } = params;
  const r = out.shape.length;
  const m = out.shape[r - 2], n = out.shape[r - 1];
  const k = transA ? x.shape[x.shape.length - 2] : x.shape[x.shape.length - 1];
  const o = allocFor(out.dtype, sizeOf(out.shape));
  if (m * n === 0) return o;
  const { aOffs, bOffs } = batchOffsets(x.shape, y.shape, out.shape);
  const mn = m * n;
  const a = x.data, b = y.data;
  if (blas && k > 0 && (o instanceof Float32Array || o instanceof Float64Array)) {
    const fa = a as typeof o, fb = b as typeof o;
    const matA = m * k, matB = k * n;
    for (let t = 0; t < aOffs.length; t++) {
      blas.gemm({
        a: fa.subarray(aOffs[t], aOffs[t] + matA),
        b: fb.subarray(bOffs[t], bOffs[t] + matB),
        c: o.subarray(t * mn, (t + 1) * mn),
        m,
        n,
        k,
        transA,
        transB,
      });
    }
    return o;
  }
  const scratch = o instanceof Float64Array ? o : new Float64Array(o.length);
  for (let t = 0; t < aOffs.length; t++) {
    const view = { a, aOff: aOffs[t], b, bOff: bOffs[t], m, n, k, transA, transB };
    gemmFallback(view, scratch, t * mn);
  }
  if (scratch !== o) { for (let i = 0; i < o.length; i++) o[i] = scratch[i]; }
  return o;
}
