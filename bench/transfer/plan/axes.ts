/**
 * The base size along a sweep's axis: the size whose multiplier is 1, which every slope of
 * log2 lr* is measured from. Width, depth and steps are always in the base model; the base batch
 * only in a batch sweep (see {@linkcode BaseModel}).
 *
 * @example
 * ```ts
 * import { baseAlong } from "./axes.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(baseAlong({ width: 32, depth: 2, steps: 200, batch: 8 }, "batch"), 8);
 * ```
 *
 * @module
 */
import type { Axis, BaseModel } from "./types.ts";

/**
 * The base model's size along `axis`; throws, naming the base, when a batch sweep's base has no
 * batch (a spec written by hand, or a folder from another tool).
 *
 * @example
 * ```ts
 * import { baseAlong } from "./axes.ts";
 * import { assertEquals, assertThrows } from "../../../testing/assert.ts";
 * const base = { width: 32, depth: 2, steps: 200 };
 * assertEquals(baseAlong(base, "depth"), 2);
 * assertThrows(() => baseAlong(base, "batch"), "no base batch");
 * ```
 */
export function baseAlong(base: BaseModel, axis: Axis): number {
  const size = base[axis];
  if (size === undefined) {
    throw new Error(
      `baseAlong: the base model ${JSON.stringify(base)} has no base batch; a batch sweep's ` +
        `base sets one (the smallest of --sizes, or --base)`,
    );
  }
  return size;
}
