/**
 * Strided iteration helpers shared by the CPU kernels.
 *
 * Every kernel that walks tensors of (possibly) different layouts describes
 * each operand by its element strides over one common iteration shape (a
 * stride of 0 repeats an element: broadcasting). {@linkcode planStrided}
 * drops size-1 axes and merges adjacent axes that every operand walks
 * contiguously, so the innermost loop is as long as it can be;
 * {@linkcode forEachRow} then calls a row function once per innermost run
 * (never once per element).
 *
 * @module
 */
import type { Shape } from "../backend.ts";

/** A collapsed iteration: shape plus one stride list and base offset per operand. */
export interface StridedPlan {
  /** The collapsed iteration shape (at least one axis). */
  readonly shape: number[];
  /** `strides[k][axis]`: element stride of operand `k` along each collapsed axis. */
  readonly strides: number[][];
  /** Starting element offset of each operand. */
  readonly bases: number[];
}

/** Broadcast strides, shared by every backend (see `kernels/backend.ts`). */
export { broadcastStrides } from "../backend.ts";

/**
 * Collapse an iteration over `shape` walked by operands with the given
 * `strides` (and optional base offsets) into as few axes as possible.
 *
 * @example
 * ```ts
 * import { planStrided } from "./indexing.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const plan = planStrided([2, 3], [[3, 1], [3, 1]]);
 * assertEquals(plan.shape, [6]);
 * ```
 */
export function planStrided(
  shape: Shape,
  strides: readonly (readonly number[])[],
  bases?: readonly number[],
): StridedPlan {
  const nOps = strides.length;
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let a = 0; a < shape.length; a++) {
    if (shape[a] === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < nOps; k++) {
      if (st[k][last] !== strides[k][a] * shape[a]) merge = false;
    }
    if (merge) {
      dims[last] *= shape[a];
      for (let k = 0; k < nOps; k++) st[k][last] = strides[k][a];
    } else {
      dims.push(shape[a]);
      for (let k = 0; k < nOps; k++) st[k].push(strides[k][a]);
    }
  }
  if (dims.length === 0 || shape.some((d) => d === 0)) {
    dims.length = 0;
    dims.push(shape.some((d) => d === 0) ? 0 : 1);
    for (let k = 0; k < nOps; k++) st[k] = [0];
  }
  return { shape: dims, strides: st, bases: bases ? [...bases] : strides.map(() => 0) };
}

/**
 * Call `row(offsets, n)` once per innermost run of `plan`; `offsets[k]` is
 * operand `k`'s element offset at the run's start, and the run has `n`
 * elements walked with stride `plan.strides[k].at(-1)`. The `offsets` array
 * is reused between calls.
 *
 * @example
 * ```ts
 * import { forEachRow, planStrided } from "./indexing.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const starts: number[] = [];
 * forEachRow(planStrided([2, 3], [[1, 2]]), (off) => starts.push(off[0]));
 * assertEquals(starts, [0, 1]);
 * ```
 */
export function forEachRow(plan: StridedPlan, row: (offsets: number[], n: number) => void): void {
  const { shape, strides, bases } = plan;
  const rank = shape.length;
  const nOps = strides.length;
  const n = shape[rank - 1];
  if (n === 0) return;
  const offsets = [...bases];
  const counter = new Array<number>(rank).fill(0);
  let rows = 1;
  for (let a = 0; a < rank - 1; a++) rows *= shape[a];
  for (let r = 0; r < rows; r++) {
    row(offsets, n);
    // Odometer step over the outer axes, updating every offset incrementally.
    for (let a = rank - 2; a >= 0; a--) {
      if (++counter[a] < shape[a]) {
        for (let k = 0; k < nOps; k++) offsets[k] += strides[k][a];
        break;
      }
      counter[a] = 0;
      for (let k = 0; k < nOps; k++) offsets[k] -= strides[k][a] * (shape[a] - 1);
    }
  }
}

/** Any typed array the CPU kernels work on. */
export type NumArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Copy elements of `src` into `dst` over `shape`, each walked by its own
 * strides and base offset.
 *
 * @example
 * ```ts
 * import { stridedCopy } from "./indexing.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const dst = new Float32Array(4);
 * stridedCopy(new Float32Array([1, 2, 3, 4]), dst, {
 *   shape: [2, 2], srcStrides: [1, 2], dstStrides: [2, 1],
 * });
 * assertEquals([...dst], [1, 3, 2, 4]);
 * ```
 */
export function stridedCopy(
  src: NumArray,
  dst: NumArray,
  opts: {
    shape: Shape;
    srcStrides: readonly number[];
    dstStrides: readonly number[];
    srcBase?: number;
    dstBase?: number;
  },
): void {
  const plan = planStrided(opts.shape, [opts.srcStrides, opts.dstStrides], [
    opts.srcBase ?? 0,
    opts.dstBase ?? 0,
  ]);
  const ss = plan.strides[0][plan.shape.length - 1];
  const ds = plan.strides[1][plan.shape.length - 1];
  const sameType = src.constructor === dst.constructor;
  forEachRow(plan, (off, n) => {
    const s0 = off[0], d0 = off[1];
    if (ss === 1 && ds === 1) {
      if (n >= 64 && sameType) dst.set(src.subarray(s0, s0 + n) as typeof dst, d0);
      else for (let i = 0; i < n; i++) dst[d0 + i] = src[s0 + i];
    } else {
      for (let i = 0, s = s0, d = d0; i < n; i++, s += ss, d += ds) dst[d] = src[s];
    }
  });
}
