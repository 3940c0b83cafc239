/**
 * The shape of a CPU kernel: typed arrays in, a new typed array out.
 *
 * @module
 */
import type { DataArray, DType, OutSpec, Prim, PrimParams, Shape } from "../backend.ts";

/** One input of a CPU kernel: its elements, shape and dtype. */
export interface CpuOperand {
  /** Row-major contiguous elements. */
  readonly data: DataArray;
  /** Logical shape. */
  readonly shape: Shape;
  /** Element type. */
  readonly dtype: DType;
}

/**
 * Hands a CPU kernel its output array of `size` elements of `dtype`: zero-filled,
 * unless `overwritten` promises that the kernel writes every element. The
 * backend passes one drawing on its pool (or a given target); kernels called
 * directly default to a fresh zero-filled array.
 *
 * @example
 * ```ts
 * import type { CpuAlloc } from "./kernel.ts";
 * import { allocFor } from "./buffer.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const alloc: CpuAlloc = (dtype, size) => allocFor(dtype, size);
 * assertEquals(alloc("f32", 2), new Float32Array(2));
 * ```
 */
export type CpuAlloc = (dtype: DType, size: number, overwritten?: boolean) => DataArray;

/**
 * A CPU kernel for primitive `P`: reads `inputs`, returns an array of
 * `out.dtype` with `sizeOf(out.shape)` elements, taken from `alloc` (when
 * given) so that the backend can reuse storage.
 *
 * @example
 * ```ts
 * import type { CpuKernel } from "./kernel.ts";
 * const copy: CpuKernel<"transpose"> = (inputs) => inputs[0].data.slice();
 * ```
 */
export type CpuKernel<P extends Prim> = (
  inputs: readonly CpuOperand[],
  params: PrimParams[P],
  out: OutSpec,
  alloc?: CpuAlloc,
) => DataArray;

/** One kernel per primitive; a missing primitive fails `deno check`. */
export type CpuKernelTable = { readonly [P in Prim]: CpuKernel<P> };
