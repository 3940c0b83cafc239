/**
 * Batched matrix multiplication with broadcast batch dims and transposed
 * operands folded into indexing, choosing a kernel per adapter:
 *
 * - software adapters (lavapipe, SwiftShader): the register kernel of
 *   `matmul_regs.ts` (an `8 x 16` block per invocation straight from global
 *   memory, no barriers);
 * - hardware: the shared-memory kernel of `matmul_tiled.ts` (128x128 tiles
 *   with 8x8 blocks per invocation, or 64x64 with 4x4 when the output has
 *   too few 128-tiles to fill the GPU);
 * - integer dtypes, and on hardware outputs thinner than 8, the simple kernel
 *   (one invocation per output).
 *
 * Every f32 kernel reads an operand as `vec4` when the axis it is contiguous
 * along is a multiple of 4 and falls back to scalar loads otherwise, so any
 * size is handled.
 *
 * @module
 */
import type { OutSpec } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { batchStrides, layoutFor, layoutKey, simpleMatmulWgsl } from "./matmul_common.ts";
import { regsMatmulWgsl, type RegsShape, regsTile } from "./matmul_regs.ts";
import { tiledMatmulWgsl, type TiledShape, tiledTile } from "./matmul_tiled.ts";
import { flatGrid, type GpuOperand, type KernelHost, wgslType, zeroOf } from "./wgsl.ts";

/** A matmul kernel variant. */
export type MatmulVariant =
  | { readonly kind: "simple" }
  | { readonly kind: "regs"; readonly shape: RegsShape }
  | { readonly kind: "tiled"; readonly shape: TiledShape };

/** Dims of one matmul call. */
export interface MatmulDims {
  /** Rows of C. */
  readonly m: number;
  /** Columns of C. */
  readonly n: number;
  /** Inner dimension. */
  readonly k: number;
  /** Number of output matrices (product of the batch shape). */
  readonly batch: number;
}

/** The register shape chosen on software adapters. */
export const SOFTWARE_REGS: RegsShape = { tm: 8, tn: 16, wgm: 4, wgn: 8 };
/** The tiled shapes chosen on hardware adapters (large and small outputs). */
export const HARDWARE_TILED: { readonly large: TiledShape; readonly small: TiledShape } = {
  large: { tm: 8, bk: 16 },
  small: { tm: 4, bk: 16 },
};
/** On hardware, outputs thinner than this (in M or N) use the simple kernel. */
const THIN = 8;
/** On hardware, use the large tile when it yields at least this many workgroups. */
const MIN_LARGE_TILES = 132;

let forced: MatmulVariant | null = null;

/**
 * Force every f32 matmul onto `variant` (for tests and tuning), or `null` to
 * choose per adapter again. Integer matmuls always use the simple kernel.
 *
 * @example
 * ```ts
 * import { forceMatmulVariant } from "./matmul.ts";
 * forceMatmulVariant({ kind: "tiled", shape: { tm: 8, bk: 16 } });
 * forceMatmulVariant(null);
 * ```
 */
export function forceMatmulVariant(variant: MatmulVariant | null): void {
  forced = variant;
}

/**
 * The variant nugrad uses for an f32 matmul of `dims` on a software or
 * hardware adapter (ignoring {@linkcode forceMatmulVariant}).
 *
 * @example
 * ```ts
 * import { chooseMatmulVariant } from "./matmul.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const dims = { m: 4096, n: 4096, k: 4096, batch: 1 };
 * assertEquals(chooseMatmulVariant(dims, { isSoftware: false }), {
 *   kind: "tiled",
 *   shape: { tm: 8, bk: 16 },
 * });
 * ```
 */
export function chooseMatmulVariant(
  dims: MatmulDims,
  adapter: { isSoftware: boolean },
): MatmulVariant {
  if (adapter.isSoftware) return { kind: "regs", shape: SOFTWARE_REGS };
  if (dims.m < THIN || dims.n < THIN) return { kind: "simple" };
  const big = tiledTile(HARDWARE_TILED.large);
  const tiles = Math.ceil(dims.m / big) * Math.ceil(dims.n / big) * dims.batch;
  const shape = tiles >= MIN_LARGE_TILES ? HARDWARE_TILED.large : HARDWARE_TILED.small;
  return { kind: "tiled", shape };
}

/** A short name of a variant, e.g. `regs4x8/8x8` or `tiled8/16`. */
export function variantName(v: MatmulVariant): string {
  if (v.kind === "simple") return "simple";
  if (v.kind === "regs") return `regs${v.shape.tm}x${v.shape.tn}/${v.shape.wgm}x${v.shape.wgn}`;
  return `tiled${v.shape.tm}/${v.shape.bk}`;
}

/**
 * `a @ b` with optional transposes, batched with broadcasting.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const a = gpu.upload(new Float32Array([1, 2, 3, 4]), "f32");
 *   const b = gpu.upload(new Float32Array([5, 6, 7, 8]), "f32");
 *   const ops = [a, b].map((buffer) => ({ buffer, shape: [2, 2], dtype: "f32" as const }));
 *   const params = { transA: false, transB: false };
 *   const y = gpu.run("matmul", ops, params, { shape: [2, 2], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 4)], [19, 22, 43, 50]);
 * }
 * ```
 */
export function runMatmul(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { transA: boolean; transB: boolean },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const [a, b] = inputs;
  const { transA, transB } = params;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  const outBatch = out.shape.slice(0, -2);
  const batch = sizeOf(outBatch);
  const total = batch * M * N;
  if (total === 0) return;
  const nb = outBatch.length;
  const prm = [
    0,
    M,
    N,
    K,
    ...outBatch,
    ...batchStrides(a.shape.slice(0, -2), outBatch, M * K),
    ...batchStrides(b.shape.slice(0, -2), outBatch, K * N),
  ];
  const buffers = [a.buffer, b.buffer, dst];
  const maxDim = host.maxWorkgroupsPerDim;
  let v: MatmulVariant = { kind: "simple" };
  if (out.dtype === "f32" || out.dtype === "f16") {
    const dims = { m: M, n: N, k: K, batch };
    v = forced ?? chooseMatmulVariant(dims, { isSoftware: host.isSoftware ?? false });
  }
  const elem = out.dtype === "f16" ? "f16" : "f32";
  const layout = layoutFor({ m: M, n: N, k: K, transA, transB, batchRank: nb }, elem);
  if (v.kind === "regs") {
    const shape = v.shape;
    const tile = regsTile(shape);
    const grid = [Math.ceil(N / tile.cols), Math.ceil(M / tile.rows), batch] as const;
    if (Math.max(...grid) <= maxDim) {
      const key = `matmulRegs|${variantName(v)}|${layoutKey(layout)}`;
      host.dispatch(host.kernel(key, () => regsMatmulWgsl(layout, shape), 2), prm, buffers, grid);
      return;
    }
  } else if (v.kind === "tiled") {
    const shape = v.shape;
    const t = tiledTile(shape);
    const grid = [Math.ceil(N / t), Math.ceil(M / t), batch] as const;
    if (Math.max(...grid) <= maxDim) {
      const key = `matmulTiled|${variantName(v)}|${layoutKey(layout)}`;
      host.dispatch(host.kernel(key, () => tiledMatmulWgsl(layout, shape), 2), prm, buffers, grid);
      return;
    }
  }
  prm[0] = total;
  const t = wgslType(out.dtype);
  const k = host.kernel(
    `matmulSimple|${t}|${nb}|${transA}|${transB}`,
    () => simpleMatmulWgsl(t, zeroOf(out.dtype), nb, [transA, transB]),
    2,
  );
  host.dispatch(k, prm, buffers, flatGrid(total, maxDim));
}
