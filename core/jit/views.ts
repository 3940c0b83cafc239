/**
 * Strided views for the compiler: a transpose, broadcast or slice of a traced
 * value is recorded as a view (shape, strides, offset over a contiguous
 * buffer) and folded into the kernels that read it, instead of being copied.
 *
 * @module
 */
import { type Shape, stridesOf } from "../../kernels/backend.ts";
import type { StridedView } from "../../kernels/views.ts";

/** A strided view of a contiguous buffer (the view primitives' own type, `kernels/views.ts`). */
export type View = StridedView;

/**
 * True when `strides`/`offset` read a buffer exactly row-major over `shape`
 * (size-1 axes may have any stride).
 *
 * @example
 * ```ts
 * import { isIdentity } from "./views.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(isIdentity([2, 1, 3], [3, 0, 1], 0), true);
 * assertEquals(isIdentity([2, 3], [1, 2], 0), false);
 * ```
 */
export function isIdentity(shape: Shape, strides: readonly number[], offset: number): boolean {
  if (offset !== 0) return false;
  const c = stridesOf(shape);
  for (let a = 0; a < shape.length; a++) if (shape[a] > 1 && strides[a] !== c[a]) return false;
  return true;
}

/**
 * The view `v` seen with another shape of the same size (what a `reshape`
 * does to a strided view), or null when no strided view can express it.
 *
 * @example
 * ```ts
 * import { reshapeView } from "./views.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * // A transposed [3, 2] view of a [2, 3] buffer, split into [3, 2, 1]:
 * assertEquals(reshapeView({ shape: [3, 2], strides: [1, 3], offset: 0 }, [3, 2, 1])?.strides, [1, 3, 0]);
 * // ... merged into [6] it is no longer strided:
 * assertEquals(reshapeView({ shape: [3, 2], strides: [1, 3], offset: 0 }, [6]), null);
 * ```
 */
export function reshapeView(v: View, shape: Shape): View | null {
  // Drop size-1 axes of the source, then match groups of source and target axes of equal size.
  const src: { size: number; stride: number }[] = [];
  v.shape.forEach((d, a) => {
    if (d !== 1) src.push({ size: d, stride: v.strides[a] });
  });
  const out = new Array<number>(shape.length).fill(0);
  let i = 0;
  let a = 0;
  while (a < shape.length) {
    if (shape[a] === 1) {
      out[a] = 0;
      a++;
      continue;
    }
    if (i >= src.length) return null;
    // A group: source axes i..j (contiguous with each other) and target axes a..b of equal size.
    let srcSize = src[i].size, j = i;
    let dstSize = shape[a], b = a;
    while (srcSize !== dstSize) {
      if (srcSize < dstSize) {
        j++;
        if (j >= src.length) return null;
        if (src[j - 1].stride !== src[j].stride * src[j].size) return null;
        srcSize *= src[j].size;
      } else {
        b++;
        if (b >= shape.length) return null;
        dstSize *= shape[b];
      }
    }
    // Target axes a..b walk the group's innermost stride upward.
    let stride = src[j].stride;
    for (let t = b; t >= a; t--) {
      out[t] = shape[t] === 1 ? 0 : stride;
      stride *= shape[t];
    }
    // The group must itself be one run for a split to be exact.
    for (let k = i; k < j; k++) {
      if (src[k].stride !== src[k + 1].stride * src[k + 1].size) return null;
    }
    i = j + 1;
    a = b + 1;
  }
  if (i !== src.length) return null;
  return { shape: [...shape], strides: out, offset: v.offset };
}
