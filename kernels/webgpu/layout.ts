/**
 * Layout kernels: transpose, broadcast, slice and pad as strided reads; concat
 * as one strided-write copy per input.
 *
 * @module
 */
import { runFusedWebGpu } from "./codegen.ts";
import { flipKernel } from "../fused.ts";
import type { OutSpec } from "../backend.ts";
import { sizeOf, stridesOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import {
  broadcastStrides,
  flatGrid,
  flatMain,
  type GpuOperand,
  type KernelHost,
  offsetsCode,
  wgslType,
  zeroOf,
} from "./wgsl.ts";

/** dst[i] = src[base + sum(coord_d * strides_d)] over `shape`. */
function stridedRead(
  host: KernelHost,
  src: GpuOperand,
  dst: GPUBuffer,
  shape: readonly number[],
  strides: readonly number[],
  base: number,
): void {
  const total = sizeOf(shape);
  if (total === 0) return;
  const rank = shape.length;
  const t = wgslType(src.dtype);
  const k = host.kernel(`stridedRead|${t}|${rank}`, () =>
    PARAMS_WGSL + storageDecls([t], t) +
    flatMain(`  ${offsetsCode(rank, 2, [2 + rank])}\n  dst[i] = in0[P(1u) + o0];`), 1);
  host.dispatch(
    k,
    [total, base, ...shape, ...strides],
    [src.buffer, dst],
    flatGrid(total, host.maxWorkgroupsPerDim),
  );
}

/**
 * Permute axes by `perm`.
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
export function runTranspose(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { perm: readonly number[] },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const s = stridesOf(inputs[0].shape);
  stridedRead(host, inputs[0], dst, out.shape, params.perm.map((p) => s[p]), 0);
}

/**
 * Expand size-1 axes (same rank) to `out.shape`.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 2]), "f32");
 *   const op = { buffer: x, shape: [2, 1], dtype: "f32" as const };
 *   const y = gpu.run("broadcast", [op], { shape: [2, 3] }, { shape: [2, 3], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 6)], [1, 1, 1, 2, 2, 2]);
 * }
 * ```
 */
export function runBroadcast(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  _params: { shape: readonly number[] },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  stridedRead(host, inputs[0], dst, out.shape, broadcastStrides(inputs[0].shape, out.shape), 0);
}

/**
 * Take `out.shape[d]` elements from `starts[d]` on each axis.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 2, 3, 4]), "f32");
 *   const op = { buffer: x, shape: [4], dtype: "f32" as const };
 *   const y = gpu.run("slice", [op], { starts: [1], sizes: [2] }, { shape: [2], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 2)], [2, 3]);
 * }
 * ```
 */
export function runSlice(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { starts: readonly number[] },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const s = stridesOf(inputs[0].shape);
  const base = params.starts.reduce((acc, st, d) => acc + st * s[d], 0);
  stridedRead(host, inputs[0], dst, out.shape, s, base);
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
  if (r === 0) return stridedRead(host, x, dst, [], [], 0);
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

/**
 * Reverse the elements along `params.axis` (a copy through a negative stride).
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 2, 3]), "f32");
 *   const y = gpu.run("flip", [{ buffer: x, shape: [3], dtype: "f32" }], { axis: 0 }, {
 *     shape: [3],
 *     dtype: "f32",
 *   });
 *   assertEquals([...await gpu.read(y, "f32", 3)], [3, 2, 1]);
 * }
 * ```
 */
export function runFlip(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { axis: number },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  runFusedWebGpu(host, flipKernel(out.shape, params.axis, out.dtype), [inputs[0].buffer], [dst]);
}
