/**
 * Data movement kernels: `transpose`, `broadcast`, `slice`, `pad`,
 * `concat`. Each is one strided copy (see {@linkcode stridedCopy}), which
 * merges contiguous axes so long runs copy with `TypedArray.set`.
 *
 * @module
 */
import { runFusedCpu } from "./codegen.ts";
import { flipKernel as reversed } from "../fused.ts";
import type { DataArray, OutSpec, PrimParams } from "../backend.ts";
import { sizeOf, stridesOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import { broadcastStrides, stridedCopy } from "./indexing.ts";
import type { CpuAlloc, CpuOperand } from "./kernel.ts";

/**
 * Permute axes: output axis `i` is input axis `perm[i]`.
 *
 * @example
 * ```ts
 * import { transposeKernel } from "./layout.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: "f32" as const };
 * const y = transposeKernel([x], { perm: [1, 0] }, { shape: [3, 2], dtype: "f32" });
 * assertEquals([...y], [1, 4, 2, 5, 3, 6]);
 * ```
 */
export function transposeKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["transpose"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const x = inputs[0];
  const o = alloc(out.dtype, sizeOf(out.shape));
  const inStrides = stridesOf(x.shape);
  stridedCopy(x.data, o, {
    shape: out.shape,
    srcStrides: params.perm.map((p) => inStrides[p]),
    dstStrides: stridesOf(out.shape),
  });
  return o;
}

/**
 * Expand size-1 axes of a same-rank input to `out.shape`.
 *
 * @example
 * ```ts
 * import { broadcastKernel } from "./layout.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([1, 2]), shape: [2, 1], dtype: "f32" as const };
 * const y = broadcastKernel([x], { shape: [2, 3] }, { shape: [2, 3], dtype: "f32" });
 * assertEquals([...y], [1, 1, 1, 2, 2, 2]);
 * ```
 */
export function broadcastKernel(
  inputs: readonly CpuOperand[],
  _params: PrimParams["broadcast"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const x = inputs[0];
  const o = alloc(out.dtype, sizeOf(out.shape));
  stridedCopy(x.data, o, {
    shape: out.shape,
    srcStrides: broadcastStrides(x.shape, out.shape),
    dstStrides: stridesOf(out.shape),
  });
  return o;
}

/**
 * Take `out.shape[i]` elements from `starts[i]` on each axis.
 *
 * @example
 * ```ts
 * import { sliceKernel } from "./layout.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([1, 2, 3, 4]), shape: [4], dtype: "f32" as const };
 * const y = sliceKernel([x], { starts: [1], sizes: [2] }, { shape: [2], dtype: "f32" });
 * assertEquals([...y], [2, 3]);
 * ```
 */
export function sliceKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["slice"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const x = inputs[0];
  const o = alloc(out.dtype, sizeOf(out.shape));
  const inStrides = stridesOf(x.shape);
  let base = 0;
  for (let i = 0; i < inStrides.length; i++) base += params.starts[i] * inStrides[i];
  stridedCopy(x.data, o, {
    shape: out.shape,
    srcStrides: inStrides,
    srcBase: base,
    dstStrides: stridesOf(out.shape),
  });
  return o;
}

/**
 * Zero-pad by `before[i]` on each axis up to `out.shape`.
 *
 * @example
 * ```ts
 * import { padKernel } from "./layout.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([1, 2]), shape: [2], dtype: "f32" as const };
 * const y = padKernel([x], { before: [1], after: [1] }, { shape: [4], dtype: "f32" });
 * assertEquals([...y], [0, 1, 2, 0]);
 * ```
 */
export function padKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["pad"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const x = inputs[0];
  const o = alloc(out.dtype, sizeOf(out.shape));
  const outStrides = stridesOf(out.shape);
  let base = 0;
  for (let i = 0; i < outStrides.length; i++) base += params.before[i] * outStrides[i];
  stridedCopy(x.data, o, {
    shape: x.shape,
    srcStrides: stridesOf(x.shape),
    dstStrides: outStrides,
    dstBase: base,
  });
  return o;
}

/**
 * Join inputs along `axis`.
 *
 * @example
 * ```ts
 * import { concatKernel } from "./layout.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const a = { data: new Float32Array([1, 2]), shape: [1, 2], dtype: "f32" as const };
 * const b = { data: new Float32Array([3, 4]), shape: [1, 2], dtype: "f32" as const };
 * const y = concatKernel([a, b], { axis: 1 }, { shape: [1, 4], dtype: "f32" });
 * assertEquals([...y], [1, 2, 3, 4]);
 * ```
 */
export function concatKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["concat"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const o = alloc(out.dtype, sizeOf(out.shape));
  const outStrides = stridesOf(out.shape);
  let at = 0;
  for (const x of inputs) {
    stridedCopy(x.data, o, {
      shape: x.shape,
      srcStrides: stridesOf(x.shape),
      dstStrides: outStrides,
      dstBase: at * outStrides[params.axis],
    });
    at += x.shape[params.axis];
  }
  return o;
}

/**
 * Reverse the elements along `params.axis` (a copy through a negative stride).
 *
 * @example
 * ```ts
 * import { flipKernel } from "./layout.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: "f32" as const };
 * assertEquals([...flipKernel([x], { axis: 1 }, { shape: [2, 2], dtype: "f32" })], [2, 1, 4, 3]);
 * ```
 */
export function flipKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["flip"],
  out: OutSpec,
  alloc: CpuAlloc = allocFor,
): DataArray {
  const o = alloc(out.dtype, sizeOf(out.shape));
  runFusedCpu(reversed(out.shape, params.axis, out.dtype), [inputs[0].data], [o]);
  return o;
}
