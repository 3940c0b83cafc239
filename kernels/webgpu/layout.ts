/**
 * Layout kernels: the view primitives (transpose, broadcast, slice, flip) as
 * fused copy kernels reading through their view (see `../views.ts`); pad as a
 * strided read with bounds, concat as one strided-write copy per input.
 *
 * @module
 */
import { runFusedWebGpu } from "./codegen.ts";
import type { OutSpec, PrimParams } from "../backend.ts";
import { sizeOf, stridesOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import {
  flatGrid,
  flatMain,
  type GpuOperand,
  type KernelHost,
  offsetsCode,
  wgslType,
  zeroOf,
} from "./wgsl.ts";
import { viewCopyKernel, type ViewPrim } from "../views.ts";
import type { StructuralKernel } from "./f16.ts";

/**
 * The WebGPU kernel of view primitive `prim`: a fused copy through the output's view of the
 * input.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 2, 3, 4, 5, 6]), "f32");
 *   const op = { buffer: x, shape: [2, 3], dtype: "f32" as const };
 *   const y = gpu.run("transpose", [op], { perm: [1, 0] }, { shape: [3, 2], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 6)], [1, 4, 2, 5, 3, 6]);
 * }
 * ```
 */
export function runViewCopy<P extends ViewPrim>(prim: P): StructuralKernel<P> {
  return (host, inputs, params: PrimParams[P], out, dst) => {
    const x = inputs[0];
    const k = viewCopyKernel(prim, params, x.shape, out.dtype, out.shape);
    runFusedWebGpu(host, k, [x.buffer], [dst]);
  };
}

/**
 * Zero-pad by `before[d]` on each axis up to `out.shape`.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 2]), "f32");
 *   const op = { buffer: x, shape: [2], dtype: "f32" as const };
 *   const y = gpu.run("pad", [op], { before: [1], after: [1] }, { shape: [4], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 4)], [0, 1, 2, 0]);
 * }
 * ```
 */
export function runPad(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { before: readonly number[] },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const total = sizeOf(out.shape);
  if (total === 0) return;
  const x = inputs[0];
  const r = out.shape.length;
  if (r === 0) return runViewCopy("slice")(host, inputs, { starts: [], sizes: [] }, out, dst);
  const t = wgslType(x.dtype);
  const k = host.kernel(`pad|${t}|${r}`, () =>
    PARAMS_WGSL + storageDecls([t], t) + flatMain(`
  var rem = i;
  var off = 0u;
  var inside = true;
  for (var k = 0u; k < ${r}u; k++) {
    let d = ${r - 1}u - k;
    let s = P(1u + d);
    let c = i32(rem % s) - i32(P(${1 + 3 * r}u + d));
    rem = rem / s;
    if (c < 0i || c >= i32(P(${1 + r}u + d))) { inside = false; } else { off += u32(c) * P(${
      1 + 2 * r
    }u + d); }
  }
  if (inside) { dst[i] = in0[off]; } else { dst[i] = ${zeroOf(x.dtype)}; }`), 1);
  const params2 = [total, ...out.shape, ...x.shape, ...stridesOf(x.shape), ...params.before];
  host.dispatch(k, params2, [x.buffer, dst], flatGrid(total, host.maxWorkgroupsPerDim));
}

/**
 * Join inputs along `axis` (one copy dispatch per input).
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const a = gpu.upload(new Float32Array([1, 2]), "f32");
 *   const b = gpu.upload(new Float32Array([3, 4]), "f32");
 *   const ops = [a, b].map((buffer) => ({ buffer, shape: [1, 2], dtype: "f32" as const }));
 *   const y = gpu.run("concat", ops, { axis: 1 }, { shape: [1, 4], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 4)], [1, 2, 3, 4]);
 * }
 * ```
 */
export function runConcat(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { axis: number },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const outStrides = stridesOf(out.shape);
  const r = out.shape.length;
  let offset = 0;
  for (const x of inputs) {
    const total = sizeOf(x.shape);
    const t = wgslType(x.dtype);
    if (total > 0) {
      const k = host.kernel(`stridedWrite|${t}|${r}`, () =>
        PARAMS_WGSL + storageDecls([t], t) +
        flatMain(`  ${offsetsCode(r, 2, [2 + r])}\n  dst[P(1u) + o0] = in0[i];`), 1);
      host.dispatch(
        k,
        [total, offset * outStrides[params.axis], ...x.shape, ...outStrides],
        [x.buffer, dst],
        flatGrid(total, host.maxWorkgroupsPerDim),
      );
    }
    offset += x.shape[params.axis];
  }
}
