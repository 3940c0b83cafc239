/**
 * The layout primitives that are views of their input (`transpose`, `broadcast`, `slice`,
 * `flip`): each is a new shape, strides and offset over the same elements. One definition
 * serves everyone: a backend runs such a primitive as a fused copy kernel reading its input
 * through the view, and `nu.jit`'s trace keeps it as a view that later kernels read through.
 *
 * @module
 */
import type { DType, PrimParams, Shape } from "./backend.ts";
import { stridesOf } from "./dtype_shape.ts";
import type { FusedKernel } from "./fused.ts";

/** Elements `offset + Σ index[a] · strides[a]` of a buffer, over `shape`. */
export interface StridedView {
  /** The view's shape. */
  readonly shape: readonly number[];
  /** One stride per axis (0 where it broadcasts, negative where it runs backwards). */
  readonly strides: readonly number[];
  /** Element offset of index 0. */
  readonly offset: number;
}

/** The primitives that are views of their input. */
export type ViewPrim = "transpose" | "broadcast" | "slice" | "flip";

/** True for a primitive that is a view of its input. */
export function isViewPrim(prim: string): prim is ViewPrim {
  return prim === "transpose" || prim === "broadcast" || prim === "slice" || prim === "flip";
}

/**
 * The view of `prim`'s output (of `outShape`) over the elements that view `v` of its input
 * reads.
 *
 * @example
 * ```ts
 * import { viewAfter } from "./views.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const x = { shape: [2, 3], strides: [3, 1], offset: 0 };
 * assertEquals(viewAfter("transpose", { perm: [1, 0] }, x, [3, 2]).strides, [1, 3]);
 * assertEquals(viewAfter("slice", { starts: [1, 1], sizes: [1, 2] }, x, [1, 2]).offset, 4);
 * assertEquals(viewAfter("flip", { axis: 1 }, x, [2, 3]), { shape: [2, 3], strides: [3, -1], offset: 2 });
 * ```
 */
export function viewAfter<P extends ViewPrim>(
  prim: P,
  params: PrimParams[P],
  v: StridedView,
  outShape: Shape,
): StridedView {
  const shape = [...outShape];
  if (prim === "transpose") {
    const { perm } = params as PrimParams["transpose"];
    return { shape, strides: perm.map((p) => v.strides[p]), offset: v.offset };
  }
  if (prim === "broadcast") {
    const strides = shape.map((d, a) => (v.shape[a] === 1 && d !== 1 ? 0 : v.strides[a]));
    return { shape, strides, offset: v.offset };
  }
  if (prim === "flip") {
    const { axis } = params as PrimParams["flip"];
    const strides = [...v.strides];
    const offset = v.offset + (v.shape[axis] > 0 ? (v.shape[axis] - 1) * strides[axis] : 0);
    strides[axis] = -strides[axis];
    return { shape, strides, offset };
  }
  const { starts } = params as PrimParams["slice"];
  let offset = v.offset;
  starts.forEach((s, a) => (offset += s * v.strides[a]));
  return { shape, strides: [...v.strides], offset };
}

/**
 * The fused kernel that runs view primitive `prim` on a contiguous input of `inShape`: a copy
 * reading the input through the output's view.
 *
 * @example
 * ```ts
 * import { viewCopyKernel } from "./views.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const k = viewCopyKernel("broadcast", { shape: [2, 3] }, [2, 1], "f32", [2, 3]);
 * assertEquals(k.inputs[0], { dtype: "f32", strides: [1, 0], offset: 0 });
 * ```
 */
export function viewCopyKernel<P extends ViewPrim>(
  prim: P,
  params: PrimParams[P],
  inShape: Shape,
  dtype: DType,
  outShape: Shape,
): FusedKernel {
  const input = { shape: inShape, strides: stridesOf(inShape), offset: 0 };
  const v = viewAfter(prim, params, input, outShape);
  return {
    shape: [...outShape],
    inputs: [{ dtype, strides: v.strides, offset: v.offset }],
    nodes: [{ fn: "load", input: 0, dtype }],
    outputs: [0],
  };
}
