/**
 * f16 on the WebGPU backend: buffer sizes by dtype, the primitives whose
 * kernels read f16 natively, and the widening path for the others (f16
 * operands cast to f32, the f32 kernel, the result cast back to f16), so that
 * they accumulate in f32 and round once.
 *
 * @module
 */
import { type DType, type OutSpec, type Prim, type PrimParams, sizeOf } from "../backend.ts";
import type { FusedKernel } from "../fused.ts";
import type { BufferPool } from "./buffers.ts";
import { runFusedWebGpu } from "./codegen.ts";
import type { GpuOperand, KernelHost } from "./wgsl.ts";

/**
 * Primitives whose kernels take f16 operands natively: the layout kernels (no
 * arithmetic), matmul and scatter-add (f16 loads widened in registers, f32
 * accumulation, one rounding as they store). The others (cross-entropy) go
 * through {@linkcode runWidened}.
 *
 * @example
 * ```ts
 * import { F16_NATIVE } from "./f16.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals([F16_NATIVE.has("matmul"), F16_NATIVE.has("crossEntropy")], [true, false]);
 * ```
 */
export const F16_NATIVE: ReadonlySet<Prim> = new Set<Prim>([
  "matmul",
  "scatterAdd",
  "transpose",
  "flip",
  "broadcast",
  "slice",
  "pad",
  "concat",
  "gather",
]);

/**
 * Bytes of `n` elements of `dtype` in a WebGPU buffer (bool is stored as u32;
 * f16 is rounded up to whole 4-byte words).
 *
 * @example
 * ```ts
 * import { bytesOf } from "./f16.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals([bytesOf("f32", 3), bytesOf("f16", 3), bytesOf("bool", 3)], [12, 8, 12]);
 * ```
 */
export function bytesOf(dtype: DType, n: number): number {
  return dtype === "f16" ? Math.ceil(n / 2) * 4 : n * 4;
}

/** A one-node kernel converting `n` contiguous elements from `from` to `to`. */
function castKernel(n: number, from: DType, to: DType): FusedKernel {
  return {
    shape: [n],
    inputs: [{ dtype: from, strides: [1], offset: 0 }],
    nodes: [{ fn: "load", input: 0, dtype: from }, { fn: "cast", args: [0], dtype: to }],
    outputs: [1],
  };
}

/** A structural kernel: records the dispatches that compute `out` into `dst`. */
export type StructuralKernel<P extends Prim> = (
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: PrimParams[P],
  out: OutSpec,
  dst: GPUBuffer,
) => void;

/**
 * Run `kernel`, which has no f16 variant, on operands some of which are f16:
 * widen those to f32 into pooled temporaries, run it in f32, and narrow its
 * result into `dst` when `out` is f16. The temporaries go back to the pool at
 * once: later work reuses them only after this work, in queue order.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const found = await probeAdapter();
 * if (found?.adapter.features.has("shader-f16")) {
 *   const gpu = await createWebGpuBackend({ adapter: found.adapter });
 *   const x = gpu.upload(new Float32Array([0, 0]), "f16");
 *   const t = gpu.upload(new Int32Array([1]), "i32");
 *   // crossEntropy has no f16 kernel: it runs in f32 and its result is rounded to f16.
 *   const y = gpu.run("crossEntropy", [
 *     { buffer: x, shape: [1, 2], dtype: "f16" },
 *     { buffer: t, shape: [1], dtype: "i32" },
 *   ], {}, { shape: [1], dtype: "f16" });
 *   assertEquals([...await gpu.read(y, "f16", 1)], [Math.f16round(Math.LN2)]);
 *   gpu.destroy();
 * }
 * ```
 */
export function runWidened<P extends Prim>(
  host: KernelHost,
  pool: BufferPool,
  kernel: StructuralKernel<P>,
  call: { prim: P; inputs: readonly GpuOperand[]; params: PrimParams[P]; out: OutSpec },
  dst: GPUBuffer,
): void {
  const { prim, inputs, params, out } = call;
  const temps: GPUBuffer[] = [];
  try {
    const wide = inputs.map((x) => {
      if (x.dtype !== "f16") return x;
      const n = sizeOf(x.shape);
      const b = pool.acquire(bytesOf("f32", n), { op: `${prim}: f16->f32`, shape: x.shape });
      temps.push(b);
      runFusedWebGpu(host, castKernel(n, "f16", "f32"), [x.buffer], [b]);
      return { buffer: b, shape: x.shape, dtype: "f32" as const };
    });
    const n = sizeOf(out.shape);
    if (out.dtype !== "f16") return kernel(host, wide, params, out, dst);
    const target = pool.acquire(bytesOf("f32", n), { op: prim, shape: out.shape });
    temps.push(target);
    kernel(host, wide, params, { shape: out.shape, dtype: "f32" }, target);
    if (n > 0) runFusedWebGpu(host, castKernel(n, "f32", "f16"), [target], [dst]);
  } finally {
    for (const t of temps) pool.release(t);
  }
}
