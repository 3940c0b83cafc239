/**
 * The VJP of broadcasting: summing a cotangent back down to an input's shape.
 *
 * Written with the primitives themselves (`bind("reduceSum")`, `bind("reshape")`), not with the
 * op modules' `sum` and `reshape`, so that the elementwise, shape and reduction modules can all
 * use it without importing one another (no import cycle among core's op modules).
 *
 * @module
 */
import { bind } from "../bind.ts";
import { sameShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";

/**
 * Sum `g` over `axes`, keeping them as size 1 (`g` itself when `axes` is empty).
 *
 * @example
 * ```ts
 * import { ones } from "../../mod.ts";
 * import { sumKeepingAxes } from "./broadcast_vjp.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await sumKeepingAxes(ones([2, 3]), [0]).toArray(), [[2, 2, 2]]);
 * ```
 */
export function sumKeepingAxes(g: Tensor, axes: readonly number[]): Tensor {
  return axes.length ? bind("reduceSum", [g], { axes: [...axes] }) : g;
}

/**
 * Sum `g` down to `shape` (the VJP of broadcasting): over leading axes and
 * over axes where `shape` has size 1.
 *
 * @example
 * ```ts
 * import { ones, unbroadcast } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const g = unbroadcast(ones([4, 3]), [1, 3]);
 * assertEquals(await g.toArray(), [[4, 4, 4]]);
 * ```
 */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = sumKeepingAxes(g, axes);
  return sameShape(summed.shape, shape) ? summed : bind("reshape", [summed], { shape: [...shape] });
}
