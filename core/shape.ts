/**
 * Shape arithmetic shared by the ops: NumPy broadcasting, axis normalization.
 *
 * @module
 */
import type { Shape } from "../kernels/backend.ts";
import { fmtShape } from "./tensor.ts";

/**
 * The NumPy broadcast of two shapes (right-aligned; sizes equal or one of them 1).
 *
 * @example
 * ```ts
 * import { broadcastShapes } from "./shape.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(broadcastShapes("add", [2, 1, 3], [4, 3]), [2, 4, 3]);
 * ```
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast (axis ${
          i - n
        }: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * One axis, allowing negative values (counted from the end).
 *
 * @example
 * ```ts
 * import { normalizeAxis } from "./shape.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(normalizeAxis("sum", -1, 3), 2);
 * ```
 */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new Error(
      `${op}: axis ${axis} is out of range for rank ${rank} (valid: ${-rank}..${rank - 1})`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Sorted unique axes from a number, an array, or undefined (= all axes).
 *
 * @example
 * ```ts
 * import { normalizeAxes } from "./shape.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(normalizeAxes("sum", [-1, 0], 3), [0, 2]);
 * ```
 */
export function normalizeAxes(
  op: string,
  axes: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  const unique = [...new Set(out)].sort((x, y) => x - y);
  if (unique.length !== out.length) throw new Error(`${op}: repeated axis in [${list.join(",")}]`);
  return unique;
}

/**
 * Check that every entry is a non-negative integer.
 *
 * @example
 * ```ts
 * import { checkShape } from "./shape.ts";
 * checkShape("zeros", [2, 3]);
 * ```
 */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) {
    throw new Error(`${op}: shape must be an array of sizes, got ${String(shape)}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: bad shape ${fmtShape(shape)}: sizes must be non-negative integers`);
    }
  }
}

/** True when two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
