/**
 * Optimizer kernels on WebGPU:
 *
 * - `normalizeAxis`: one dispatch, one invocation per row (`axis: -1`) or
 *   column (`axis: 0`); for columns neighbouring invocations read neighbouring
 *   addresses, for rows each invocation walks its own row.
 *
 * Floating-point parameters travel as their f32 bits in the u32 parameter block.
 *
 * @module
 */
import type { OutSpec, PrimParams } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import { flatGrid, flatMain, type GpuOperand, type KernelHost } from "./wgsl.ts";

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

/** The u32 bit pattern of `x` rounded to f32. */
function f32Bits(x: number): number {
  asFloat[0] = x;
  return bits[0];
}

const NORMALIZE_WGSL = PARAMS_WGSL + storageDecls(["f32"], "f32") + flatMain(`
  let len = P(1u);
  let step = P(3u);
  let base = i * P(2u);
  var s = 0.0;
  for (var j = 0u; j < len; j++) { let e = in0[base + j * step]; s += e * e; }
  let r = 1.0 / sqrt(s + bitcast<f32>(P(4u)));
  for (var j = 0u; j < len; j++) { dst[base + j * step] = in0[base + j * step] * r; }`);

/**
 * Record the normalization of each row or column of a matrix into `dst`.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([3, 4]), "f32");
 *   const op = { buffer: x, shape: [1, 2], dtype: "f32" as const };
 *   const params = { axis: -1, eps: 0 } as const;
 *   const y = gpu.run("normalizeAxis", [op], params, { shape: [1, 2], dtype: "f32" });
 *   await assertAllClose([...await gpu.read(y, "f32", 2)], [0.6, 0.8]);
 * }
 * ```
 */
export function runNormalizeAxis(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: PrimParams["normalizeAxis"],
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const [rows, cols] = out.shape;
  if (rows * cols === 0) return;
  const [count, len, vecStride, elemStride] = params.axis === -1
    ? [rows, cols, cols, 1]
    : [cols, rows, 1, cols];
  const k = host.kernel("normalizeAxis|f32", () => NORMALIZE_WGSL, 1);
  host.dispatch(
    k,
    [count, len, vecStride, elemStride, f32Bits(params.eps)],
    [inputs[0].buffer, dst],
    flatGrid(count, host.maxWorkgroupsPerDim),
  );
}
