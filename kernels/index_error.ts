/**
 * The one message every backend gives for an out-of-range index, so that the
 * CPU's immediate check and WebGPU's recorded violation read the same.
 *
 * @module
 */
import type { Shape } from "./backend.ts";

/**
 * The op that saw the bad index (the user-facing name): the three indexing primitives have
 * their own wording; any other op (`take`, `takeAlongAxis`, ...) is worded by axis and size.
 */
export type IndexOp = "gather" | "scatterAdd" | "crossEntropy" | (string & Record<never, never>);

/** The facts of one out-of-range index. */
export interface IndexViolation {
  /** The op the user called. */
  readonly op: IndexOp;
  /** The offending index value. */
  readonly index: number;
  /** Its flat position in the index tensor. */
  readonly flat: number;
  /** The index tensor's shape (for the position's coordinates). */
  readonly shape: Shape;
  /** The exclusive upper bound: indices must lie in `[0, bound)`. */
  readonly bound: number;
  /** The indexed axis (gather/scatterAdd). */
  readonly axis?: number;
  /** Negative indices count from the end (`take`): the valid range is `[-bound, bound)`. */
  readonly negative?: boolean;
}

/** The coordinates of flat position `flat` in `shape`. */
function coordinates(flat: number, shape: Shape): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let a = shape.length - 1; a >= 0; a--) {
    out[a] = rest % shape[a];
    rest = Math.floor(rest / shape[a]);
  }
  return out;
}

/**
 * The error for an out-of-range index: the op, the index, its position and the bound.
 *
 * @example
 * ```ts
 * import { indexError } from "./index_error.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const e = indexError({ op: "gather", index: 9, flat: 2, shape: [3], bound: 4, axis: 0 });
 * assertEquals(e.message, "gather: index 9 at position [2] is out of range for a table of 4 rows (valid: 0..3)");
 * ```
 */
export function indexError(v: IndexViolation): RangeError {
  const at = `[${coordinates(v.flat, v.shape).join(",")}]`;
  const low = v.negative ? -v.bound : 0;
  const valid = v.bound > 0 ? `(valid: ${low}..${v.bound - 1})` : "(the axis is empty)";
  const named = v.op === "gather" || v.op === "scatterAdd";
  const what = v.op === "crossEntropy"
    ? `target ${v.index} at position ${at} is out of range for ${v.bound} classes`
    : named && (v.axis ?? 0) === 0
    ? `index ${v.index} at position ${at} is out of range for a ${
      v.op === "gather" ? "table" : "result"
    } of ${v.bound} rows`
    : `index ${v.index} at position ${at} is out of range for axis ${
      v.axis ?? 0
    } of size ${v.bound}`;
  return new RangeError(`${v.op}: ${what} ${valid}`);
}

/**
 * The first index of `ids` outside `[0, bound)`, as a violation, or null.
 *
 * @example
 * ```ts
 * import { findBadIndex } from "./index_error.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(findBadIndex("gather", new Int32Array([0, -1]), [2], 3)?.index, -1);
 * assertEquals(findBadIndex("gather", new Int32Array([0, 2]), [2], 3), null);
 * ```
 */
export function findBadIndex(
  op: IndexOp,
  ids: ArrayLike<number>,
  shape: Shape,
  bound: number,
  axis?: number,
  negative = false,
): IndexViolation | null {
  const low = negative ? -bound : 0;
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!(id >= low && id < bound)) return { op, index: id, flat: t, shape, bound, axis, negative };
  }
  return null;
}
