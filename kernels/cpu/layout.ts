/**
 * Data movement kernels: the view primitives (`transpose`, `broadcast`,
 * `slice`, `flip`) as fused copy kernels reading through their view (see
 * `../views.ts`); `pad` and `concat` as strided copies (see
 * {@linkcode stridedCopy}), which merge contiguous axes so long runs copy with
 * `TypedArray.set`.
 *
 * @module
 */
import { runFusedCpu } from "./codegen.ts";
import type { DataArray, OutSpec, PrimParams } from "../backend.ts";
import { sizeOf, stridesOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import { stridedCopy } from "./indexing.ts";
import type { CpuAlloc, CpuKernel, CpuOperand } from "./kernel.ts";
import { viewCopyKernel, type ViewPrim } from "../views.ts";

/**
 * The CPU kernel of view primitive `prim`: a fused copy through the output's view of the input.
 *
 * @example
 * ```ts
 * import { viewCopy } from "./layout.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: "f32" as const };
 * const y = viewCopy("transpose")([x], { perm: [1, 0] }, { shape: [3, 2], dtype: "f32" });
 * assertEquals([...y], [1, 4, 2, 5, 3, 6]);
 * ```
 */
export function viewCopy<P extends ViewPrim>(prim: P): CpuKernel<P> {
  return (inputs, params, out, alloc = allocFor) => {
    const x = inputs[0];
    const o = alloc(out.dtype, sizeOf(out.shape), true);
    runFusedCpu(viewCopyKernel(prim, params, x.shape, out.dtype, out.shape), [x.data], [o]);
    return o;
  };
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
