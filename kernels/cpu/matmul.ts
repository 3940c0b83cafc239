/**
 * Batched matmul on the CPU, by the fastest path available, in this order:
 * BLAS per batch element when a library is open (f32 and f64); else, for
 * f32, the WebAssembly SIMD GEMM (`wasm/`), threaded for large products;
 * else (and for f64 without BLAS, and i32) a cache-blocked i-k-j loop in
 * TypeScript. {@linkcode chooseMatmul} picks the paths once per backend.
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
import { type Blas, openBlas, SMALL_GEMM_MACS } from "./blas.ts";
import { type WasmGemm, wasmGemm } from "./wasm/wasm_gemm.ts";
import { broadcastStrides, forEachRow, type NumArray, planStrided } from "./indexing.ts";
import type { CpuAlloc, CpuOperand } from "./kernel.ts";

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
 * import { assertEquals } from "../../testing/assert.ts";
 * gemmFallback({ a: new Float32Array([1, 2]), aOff: 0, b: new Float32Array([3, 4]), bOff: 0,
 *   m: 1, n: 1, k: 2, transA: false, transB: false }, c, 0);
 * assertEquals([...c], [11]);
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

/** Offsets of a product without batch axes. */
const SINGLE: { readonly aOffs: readonly number[]; readonly bOffs: readonly number[] } = {
  aOffs: [0],
  bOffs: [0],
};
/** Offsets by shapes (a step asks for the same few on every call). */
const offsetsByShapes = new Map<string, typeof SINGLE>();

/** Matrix offsets (in elements) of each output batch element in `a` and `b`. */
function batchOffsets(aShape: Shape, bShape: Shape, outShape: Shape): typeof SINGLE {
  if (outShape.length === 2) return SINGLE;
  const key = `${aShape.join()}|${bShape.join()}|${outShape.join()}`;
  let offsets = offsetsByShapes.get(key);
  if (offsets === undefined) {
    if (offsetsByShapes.size >= 256) offsetsByShapes.clear();
    offsets = computeBatchOffsets(aShape, bShape, outShape);
    offsetsByShapes.set(key, offsets);
  }
  return offsets;
}

function computeBatchOffsets(aShape: Shape, bShape: Shape, outShape: Shape): typeof SINGLE {
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

/** A CPU matmul path, fastest first. */
export type MatmulPath = "blas" | "wasm" | "ts";

/** The paths a CPU backend's matmul uses. */
export interface CpuMatmul {
  /** The BLAS library for f32 and f64, or `null`. */
  readonly blas: Blas | null;
  /** The Wasm SIMD GEMM for f32 when there is no BLAS, or `null`. */
  readonly wasm: WasmGemm | null;
  /** The path f32 products take. */
  readonly path: MatmulPath;
  /** E.g. `OpenBLAS 0.3.21 SkylakeX`, `Wasm SIMD (relaxed-SIMD FMA), 2 threads`, `TypeScript`. */
  readonly description: string;
}

/** How {@linkcode chooseMatmul} chooses. */
export interface MatmulChoice {
  /**
   * `false`: no BLAS, and (unless `matmul` says otherwise) the TypeScript
   * loop. A string: the BLAS library to open. `true` or absent: `NUGRAD_BLAS`
   * if set, else the usual OpenBLAS/BLIS/BLAS names.
   */
  blas?: boolean | string;
  /** Force one path (tests, benchmarks); absent: BLAS > Wasm > TypeScript. */
  matmul?: MatmulPath;
}

function pathOf(blas: Blas | null, wasm: WasmGemm | null): CpuMatmul {
  if (blas) return { blas, wasm: null, path: "blas", description: blas.description };
  if (wasm) return { blas: null, wasm, path: "wasm", description: wasm.description };
  return { blas: null, wasm: null, path: "ts", description: "TypeScript" };
}

/**
 * The matmul paths for a backend: BLAS if one opens and passes its check,
 * else Wasm SIMD (f32) where WebAssembly has SIMD, else TypeScript. A forced
 * path that is not available throws.
 *
 * @example
 * ```ts
 * import { chooseMatmul } from "./matmul.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(chooseMatmul({ matmul: "ts" }).description, "TypeScript");
 * assertEquals(chooseMatmul({ matmul: "wasm" }).path, "wasm");
 * ```
 */
export function chooseMatmul(choice: MatmulChoice = {}): CpuMatmul {
  const { blas, matmul } = choice;
  if (matmul !== undefined && !["blas", "wasm", "ts"].includes(matmul)) {
    throw new Error(`createCpuBackend: matmul must be "blas", "wasm" or "ts", got ${matmul}`);
  }
  if (matmul === "ts" || (matmul === undefined && blas === false)) return pathOf(null, null);
  if (matmul === "wasm") {
    const wasm = wasmGemm();
    if (!wasm) {
      throw new Error('createCpuBackend: matmul: "wasm" needs WebAssembly SIMD, missing here');
    }
    return pathOf(null, wasm);
  }
  if (matmul === "blas") {
    if (blas === false) {
      throw new Error('createCpuBackend: matmul: "blas" contradicts blas: false');
    }
    const lib = openBlas(blas, {
      fallback: 'nothing: matmul: "blas" was asked for, so createCpuBackend throws',
    });
    if (!lib) {
      throw new Error(
        `createCpuBackend: matmul: "blas" but no BLAS opened (blas: ${blas ?? "default"}; ` +
          "see the line above, and run with --allow-ffi)",
      );
    }
    return pathOf(lib, null);
  }
  const wasm = wasmGemm();
  const fallback = wasm ? wasm.description : "the TypeScript fallback";
  return pathOf(openBlas(blas, { fallback }), wasm);
}

/**
 * The matmul kernel: `paths.blas` (if set, for f32/f64) per batch element,
 * else `paths.wasm` (if set, for f32), else {@linkcode gemmFallback}; i32
 * always uses the fallback. The output comes from `alloc` (the backend's pool
 * or a reused target), so the product writes into storage already touched.
 *
 * @example
 * ```ts
 * import { chooseMatmul, matmulKernel } from "./matmul.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const a = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: "f32" as const };
 * const params = { transA: false, transB: true };
 * for (const matmul of ["wasm", "ts"] as const) {
 *   const out = matmulKernel(chooseMatmul({ matmul }), [a, a], params, { shape: [2, 2], dtype: "f32" });
 *   assertEquals([...out], [5, 11, 11, 25]);
 * }
 * ```
 */
export function matmulKernel(
  paths: Pick<CpuMatmul, "blas" | "wasm">,
  inputs: readonly CpuOperand[],
  params: PrimParams["matmul"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const rows = sizeOf(out.shape.slice(0, -1));
  // Every element is written (BLAS with beta = 0, the Wasm GEMM's copy out, the fallback's fill,
  // and zeros for an empty inner dimension), so the output need not be zeroed first.
  const o = alloc(out.dtype, sizeOf(out.shape), true);
  matmulRowsInto(paths, inputs, params, out.shape, o, [0, rows]);
  return o;
}

/**
 * Rows `[row0, row1)` of a (batched) product, counted over the output's leading axes flattened
 * (`[...batch, m, n]` as `[batch·m, n]`), written into those rows of `o`; the rest of `o` is left
 * alone. A compiled program runs a product tile by tile this way, with an epilogue on each tile
 * while it is in cache. A partial range needs an untransposed left operand (its rows are then
 * contiguous).
 *
 * @example
 * ```ts
 * import { chooseMatmul, matmulRowsInto } from "./matmul.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const a = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: "f32" as const };
 * const o = new Float32Array(4).fill(-1);
 * const params = { transA: false, transB: false };
 * matmulRowsInto(chooseMatmul({ matmul: "ts" }), [a, a], params, [2, 2], o, [1, 2]);
 * assertEquals([...o], [-1, -1, 15, 22]);
 * ```
 */
export function matmulRowsInto(
  paths: Pick<CpuMatmul, "blas" | "wasm">,
  inputs: readonly CpuOperand[],
  params: PrimParams["matmul"],
  outShape: Shape,
  o: DataArray,
  [row0, row1]: readonly [number, number],
): void {
  const [x, y] = inputs;
  const { transA, transB } = params;
  const r = outShape.length;
  const m = outShape[r - 2], n = outShape[r - 1];
  const k = transA ? x.shape[x.shape.length - 2] : x.shape[x.shape.length - 1];
  if (m * n === 0 || row1 <= row0) return;
  if (k === 0) {
    o.fill(0, row0 * n, row1 * n);
    return;
  }
  const { aOffs, bOffs } = batchOffsets(x.shape, y.shape, outShape);
  const whole = row0 === 0 && row1 === aOffs.length * m;
  if (!whole && transA) {
    throw new Error(`matmul: rows ${row0}..${row1} of a product need an untransposed left operand`);
  }
  const mn = m * n;
  const a = x.data, b = y.data;
  const { blas, wasm } = paths;
  // The product as pieces: rows [i0, i1) of batch element t.
  const pieces: [number, number, number][] = [];
  for (let t = Math.floor(row0 / m); t * m < row1; t++) {
    pieces.push([t, Math.max(row0 - t * m, 0), Math.min(row1 - t * m, m)]);
  }
  if (blas && (o instanceof Float32Array || o instanceof Float64Array)) {
    const fa = a as typeof o, fb = b as typeof o;
    const matA = m * k, matB = k * n;
    const batched = o instanceof Float32Array && m * n * k < SMALL_GEMM_MACS
      ? blas.gemmBatched
      : undefined;
    const wholeMatrix = (q: number) => pieces[q][1] === 0 && pieces[q][2] === m;
    for (let p = 0; p < pieces.length; p++) {
      const [t, i0, i1] = pieces[p];
      // Whole small matrices laid out back to back in both operands: one batched call.
      let end = p + 1;
      while (
        batched && wholeMatrix(p) && end < pieces.length && wholeMatrix(end) &&
        aOffs[pieces[end][0]] === aOffs[t] + (end - p) * matA &&
        bOffs[pieces[end][0]] === bOffs[t] + (end - p) * matB
      ) end++;
      if (end - p > 1) {
        const batch = end - p;
        batched!({
          a: fa.subarray(aOffs[t], aOffs[t] + batch * matA) as Float32Array,
          b: fb.subarray(bOffs[t], bOffs[t] + batch * matB) as Float32Array,
          c: o.subarray(t * mn, (t + batch) * mn) as Float32Array,
          batch,
          m,
          n,
          k,
          transA,
          transB,
        });
        p = end - 1;
        continue;
      }
      const rows = i1 - i0, aOff = aOffs[t] + i0 * k;
      blas.gemm({
        a: fa.subarray(aOff, aOff + rows * k),
        b: fb.subarray(bOffs[t], bOffs[t] + matB),
        c: o.subarray(t * mn + i0 * n, t * mn + i1 * n),
        m: rows,
        n,
        k,
        transA,
        transB,
      });
    }
    return;
  }
  if (wasm && o instanceof Float32Array) {
    const [fa, fb] = [a as Float32Array, b as Float32Array];
    if (whole) {
      wasm.matmul({ a: fa, b: fb, aOffs, bOffs, m, n, k, transA, transB, out: o });
      return;
    }
    // The GEMM copies operands that are not in the fused kernels' memory (the backend's own
    // buffers are): hand it only the rows and matrices a call reads, and the tile's whole batch
    // elements in one batched call.
    const call = (group: readonly [number, number, number][]) => {
      const rows = group[0][2] - group[0][1];
      const aStarts = group.map(([t, i0]) => aOffs[t] + i0 * k);
      const bStarts = group.map(([t]) => bOffs[t]);
      const [a0, a1] = [Math.min(...aStarts), Math.max(...aStarts) + rows * k];
      const [b0, b1] = [Math.min(...bStarts), Math.max(...bStarts) + k * n];
      const [t0, i00] = group[0];
      const start = t0 * mn + i00 * n;
      wasm.matmul({
        a: fa.subarray(a0, a1),
        b: fb.subarray(b0, b1),
        aOffs: aStarts.map((x) => x - a0),
        bOffs: bStarts.map((x) => x - b0),
        m: rows,
        n,
        k,
        transA,
        transB,
        out: o.subarray(start, start + group.length * rows * n),
      });
    };
    const full = pieces.filter(([, i0, i1]) => i0 === 0 && i1 === m);
    for (const piece of pieces) if (!(piece[1] === 0 && piece[2] === m)) call([piece]);
    if (full.length > 0) call(full);
    return;
  }
  for (const [t, i0, i1] of pieces) {
    const rows = i1 - i0, cOff = t * mn + i0 * n;
    const view = { a, aOff: aOffs[t] + i0 * k, b, bOff: bOffs[t], m: rows, n, k, transA, transB };
    if (o instanceof Float64Array) {
      gemmFallback(view, o, cOff);
      continue;
    }
    const scratch = new Float64Array(rows * n);
    gemmFallback(view, scratch, 0);
    for (let i = 0; i < scratch.length; i++) o[cOff + i] = scratch[i];
  }
}
