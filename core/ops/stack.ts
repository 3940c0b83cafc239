/**
 * `stack`: join tensors along a new axis (a composition of reshape and concat,
 * so it needs no rule of its own).
 *
 * @module
 */
import { normalizeAxis } from "../shape.ts";
import { fmtShape, Tensor } from "../tensor.ts";
import { expandDims } from "./shape.ts";
import { concat } from "./slice.ts";

/**
 * Join tensors of one shape along a new axis `axis` (default 0): `n` tensors
 * of shape `s` give shape `s` with `n` inserted at `axis`.
 *
 * @example
 * ```ts
 * import { stack, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const s = stack([tensor([1, 2]), tensor([3, 4])], { axis: 1 });
 * assertEquals(await s.toArray(), [[1, 3], [2, 4]]);
 * ```
 */
export function stack(xs: readonly Tensor[], opts: { axis?: number } = {}): Tensor {
  if (!Array.isArray(xs) || xs.length === 0 || !xs.every((x) => x instanceof Tensor)) {
    throw new Error("stack: expected a non-empty array of tensors");
  }
  const first = xs[0];
  xs.forEach((x, i) => {
    if (x.shape.join() !== first.shape.join()) {
      throw new Error(
        `stack: shapes differ: ${fmtShape(first.shape)} and ${fmtShape(x.shape)} (input ${i})`,
      );
    }
  });
  const a = normalizeAxis("stack", opts.axis ?? 0, first.rank + 1);
  return concat(xs.map((x) => expandDims(x, a)), a);
}
