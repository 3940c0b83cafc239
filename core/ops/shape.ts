/**
 * Shape primitives and ops: `reshape` and `alias` (no kernel: shared
 * storage), `transpose`, `broadcast`; `expandDims`, `squeeze` composed.
 *
 * @module
 */
import type { Shape } from "../../kernels/backend.ts";
import { sizeOf } from "../../kernels/backend.ts";
import { bind, defineRule, type Rule } from "../bind.ts";
import { physicalAxis, pointwiseBatch, toFront } from "../vmap_rules.ts";
import { broadcastShapes, checkShape, normalizeAxes, normalizeAxis, sameShape } from "../shape.ts";
import { fmtShape, shareStorage, Tensor } from "../tensor.ts";
import { sumKeepingAxes } from "./broadcast_vjp.ts";

/** The `reshape` primitive's rule (shared storage). */
export const reshapeRule: Rule<"reshape"> = defineRule("reshape", {
  outSpec: ([x], { shape }) => ({ shape, dtype: x.dtype }),
  vjp: (g, { inputs: [x] }) => [reshape(g, x.shape)],
  batch: ([x], { shape }) => {
    const front = toFront(x);
    return { value: bind("reshape", [front], { shape: [front.shape[0], ...shape] }), axis: 0 };
  },
});

/**
 * The same elements in a new shape; one size may be -1 (inferred).
 *
 * @example
 * ```ts
 * import { arange, reshape } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await reshape(arange(6), [2, -1]).toArray(), [[0, 1, 2], [3, 4, 5]]);
 * ```
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  x.assertLive("reshape");
  const target = [...shape];
  const holes = target.filter((d) => d === -1).length;
  if (holes > 1) throw new Error(`reshape: at most one -1 allowed, got ${fmtShape(shape)}`);
  if (holes === 1) {
    const known = sizeOf(target.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(
        `reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`,
      );
    }
    target[target.indexOf(-1)] = x.size / known;
  }
  checkShape("reshape", target);
  if (sizeOf(target) !== x.size) {
    throw new Error(
      `reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)} (${
        sizeOf(target)
      } elements)`,
    );
  }
  if (sameShape(target, x.shape)) return x;
  return bind("reshape", [x], { shape: target });
}

/** The `alias` primitive's rule: identity. */
export const aliasRule: Rule<"alias"> = defineRule("alias", {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  vjp: (g) => [g],
  batch: pointwiseBatch("alias"),
});

/**
 * A new tensor over the same storage, traced as the identity (tapes use this
 * to give their inputs an identity of their own).
 */
export function alias(x: Tensor): Tensor {
  x.assertLive("alias");
  return bind("alias", [x], {});
}

/**
 * The same values with no gradient flowing back through them.
 *
 * @example
 * ```ts
 * import { grad, mul, stopGradient, sum, type Tensor, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const f = (x: Tensor) => sum(mul(x, stopGradient(x)));
 * assertEquals(await grad(f)(tensor([3])).toArray(), [3]); // the gradient is x, not 2x
 * ```
 */
export function stopGradient(x: Tensor): Tensor {
  x.assertLive("stopGradient");
  return shareStorage(x, x.shape);
}

// --------------------------------------------------------------- transpose

/** The `transpose` primitive's rule. */
export const transposeRule: Rule<"transpose"> = defineRule("transpose", {
  outSpec: ([x], { perm }) => ({ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }),
  // The batch axis stays where it is; the logical axes around it are permuted.
  batch: ([x], { perm }) => {
    const b = x.axis!;
    const physical = perm.map((p) => physicalAxis(p, b));
    physical.splice(b, 0, b);
    return { value: bind("transpose", [x.value], { perm: physical }), axis: b };
  },
  vjp: (g, { params: { perm } }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [transpose(g, inv)];
  },
});

/**
 * Permute axes (default: reverse them).
 *
 * @example
 * ```ts
 * import { ones, transpose } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(transpose(ones([2, 3, 4]), [0, 2, 1]).shape, [2, 4, 3]);
 * ```
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  x.assertLive("transpose");
  const p = perm
    ? perm.map((a) => normalizeAxis("transpose", a, x.rank))
    : [...x.shape.keys()].reverse();
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new Error(
      `transpose: perm [${perm}] is not a permutation of the ${x.rank} axes of ${
        fmtShape(x.shape)
      }`,
    );
  }
  if (p.every((a, i) => a === i)) return x;
  return bind("transpose", [x], { perm: p });
}

/**
 * Swap two axes.
 *
 * @example
 * ```ts
 * import { ones, swapAxes } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(swapAxes(ones([2, 3]), 0, 1).shape, [3, 2]);
 * ```
 */
export function swapAxes(x: Tensor, a: number, b: number): Tensor {
  const perm = [...x.shape.keys()];
  const i = normalizeAxis("swapAxes", a, x.rank), j = normalizeAxis("swapAxes", b, x.rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return transpose(x, perm);
}

// --------------------------------------------------------------- broadcast

/** The `broadcast` primitive's rule (same rank, size-1 axes expand). */
export const broadcastRule: Rule<"broadcast"> = defineRule("broadcast", {
  outSpec: ([x], { shape }) => ({ shape, dtype: x.dtype }),
  batch: ([x], { shape }) => {
    const b = x.axis!;
    const full = [...shape];
    full.splice(b, 0, x.value.shape[b]);
    return { value: bind("broadcast", [x.value], { shape: full }), axis: b };
  },
  vjp: (g, { inputs: [x] }) => {
    const axes = x.shape.flatMap((d, i) => (d === 1 && g.shape[i] !== 1 ? [i] : []));
    return [sumKeepingAxes(g, axes)];
  },
});

/**
 * Expand to `shape` by NumPy broadcasting.
 *
 * @example
 * ```ts
 * import { broadcastTo, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await broadcastTo(tensor([1, 2]), [3, 2]).toArray(), [[1, 2], [1, 2], [1, 2]]);
 * ```
 */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  x.assertLive("broadcastTo");
  checkShape("broadcastTo", shape);
  const out = broadcastShapes("broadcastTo", x.shape, shape);
  if (!sameShape(out, shape)) {
    throw new Error(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  if (sameShape(x.shape, shape)) return x;
  const lifted = x.rank < shape.length
    ? reshape(x, [...new Array(shape.length - x.rank).fill(1), ...x.shape])
    : x;
  if (sameShape(lifted.shape, shape)) return lifted;
  return bind("broadcast", [lifted], { shape: [...shape] });
}

/**
 * Insert a size-1 axis at `axis`.
 *
 * @example
 * ```ts
 * import { expandDims, ones } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(expandDims(ones([3]), 0).shape, [1, 3]);
 * ```
 */
export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis("expandDims", axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/**
 * Remove size-1 axes (the given ones, or all).
 *
 * @example
 * ```ts
 * import { ones, squeeze } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(squeeze(ones([1, 3, 1])).shape, [3]);
 * ```
 */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const axes = axis === undefined
    ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
    : normalizeAxes("squeeze", axis, x.rank);
  for (const a of axes) {
    if (x.shape[a] !== 1) {
      throw new Error(`squeeze: axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
    }
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * True when `x` is a Tensor.
 *
 * @example
 * ```ts
 * import { isTensor, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals([isTensor(tensor([1])), isTensor([1])], [true, false]);
 * ```
 */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** The `flip` primitive's rule: its own VJP. */
export const flipRule: Rule<"flip"> = defineRule("flip", {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  vjp: (g, { params: { axis } }) => [bind("flip", [g], { axis })],
  batch: ([x], { axis }) => ({
    value: bind("flip", [x.value], { axis: physicalAxis(axis, x.axis!) }),
    axis: x.axis,
  }),
});

/**
 * Reverse the elements along `axis` (NumPy `flip`). Under `nu.jit` it is a view: kernels read
 * through a negative stride, nothing is copied.
 *
 * @example
 * ```ts
 * import { flip, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await flip(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(), [[3, 2, 1], [6, 5, 4]]);
 * ```
 */
export function flip(x: Tensor, axis: number): Tensor {
  x.assertLive("flip");
  return bind("flip", [x], { axis: normalizeAxis("flip", axis, x.rank) });
}
