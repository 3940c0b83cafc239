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
 * A CPU kernel for primitive `P`: reads `inputs`, returns a fresh array of
 * `out.dtype` with `sizeOf(out.shape)` elements.
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
) => DataArray;

/** One kernel per primitive; a missing primitive fails `deno check`. */
export type CpuKernelTable = { readonly [P in Prim]: CpuKernel<P> };
