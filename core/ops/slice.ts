/**
 * `slice`, `pad` and `concat` primitives and ops.
 *
 * @module
 */
import { defineRule } from "../bind.ts";
import { bind, type Rule } from "../bind.ts";
import { materialize } from "../vmap_rules.ts";
import { normalizeAxis } from "../shape.ts";
import { fmtShape, Tensor } from "../tensor.ts";

/** The `slice` primitive's rule. */
export const sliceRule: Rule<"slice"> = defineRule("slice", {
  outSpec: ([x], { sizes }) => ({ shape: [...sizes], dtype: x.dtype }),
  batch: ([x], { starts, sizes }) => {
    const b = x.axis!;
    const [s, n] = [[...starts], [...sizes]];
    s.splice(b, 0, 0);
    n.splice(b, 0, x.value.shape[b]);
    return { value: bind("slice", [x.value], { starts: s, sizes: n }), axis: b };
  },
  vjp: (g, { inputs: [x], params: { starts, sizes } }) => [
    bind("pad", [g], { before: starts, after: x.shape.map((d, i) => d - starts[i] - sizes[i]) }),
  ],
});

/** The `pad` primitive's rule (zeros). */
export const padRule: Rule<"pad"> = defineRule("pad", {
  outSpec: ([x], { before, after }) => ({
    shape: x.shape.map((d, i) => d + before[i] + after[i]),
    dtype: x.dtype,
  }),
  batch: ([x], { before, after }) => {
    const b = x.axis!;
    const [lo, hi] = [[...before], [...after]];
    lo.splice(b, 0, 0);
    hi.splice(b, 0, 0);
    return { value: bind("pad", [x.value], { before: lo, after: hi }), axis: b };
  },
  vjp: (g, { inputs: [x], params: { before } }) => [
    bind("slice", [g], { starts: before, sizes: x.shape }),
  ],
});

/**
 * The part of `x` from `starts` (inclusive) to `ends` (exclusive) on each
 * axis; missing trailing axes are taken whole; negative indices count from
 * the end; `ends` entries may be omitted (`undefined` = to the end).
 *
 * @example
 * ```ts
 * import { arange, reshape, slice } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = reshape(arange(12), [3, 4]);
 * assertEquals(await slice(x, [1, 0], [3, 2]).toArray(), [[4, 5], [8, 9]]);
 * assertEquals(await slice(x, [0, -1]).toArray(), [[3], [7], [11]]); // the last column
 * ```
 */
export function slice(
  x: Tensor,
  starts: readonly number[],
  ends: readonly (number | undefined)[] = [],
): Tensor {
  x.assertLive("slice");
  if (starts.length > x.rank || ends.length > x.rank) {
    throw new Error(
      `slice: ${Math.max(starts.length, ends.length)} bounds for rank ${x.rank} ${
        fmtShape(x.shape)
      }`,
    );
  }
  const s: number[] = [], sizes: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const d = x.shape[i];
    let a = starts[i] ?? 0, b = ends[i] ?? d;
    if (!Number.isInteger(a) || !Number.isInteger(b)) {
      throw new Error(`slice: bounds must be integers, got start ${a}, end ${b} on axis ${i}`);
    }
    if (a < 0) a += d;
    if (b < 0) b += d;
    if (a < 0 || b > d || a > b) {
      throw new Error(
        `slice: bounds [${starts[i] ?? 0}, ${
          ends[i] ?? d
        }) out of range for axis ${i} of size ${d} in ${fmtShape(x.shape)}`,
      );
    }
    s.push(a);
    sizes.push(b - a);
  }
  if (sizes.every((n, i) => n === x.shape[i])) return x;
  return bind("slice", [x], { starts: s, sizes });
}

/**
 * `x[start:end]` along one axis.
 *
 * @example
 * ```ts
 * import { arange, sliceAxis } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await sliceAxis(arange(10), 0, 2, 5).toArray(), [2, 3, 4]);
 * ```
 */
export function sliceAxis(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const a = normalizeAxis("sliceAxis", axis, x.rank);
  const starts = new Array<number>(x.rank).fill(0);
  const ends: (number | undefined)[] = new Array(x.rank).fill(undefined);
  starts[a] = start;
  ends[a] = end;
  return slice(x, starts, ends);
}

/**
 * Zero-pad: `widths[i] = [before, after]` for each leading axis.
 *
 * @example
 * ```ts
 * import { pad, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await pad(tensor([1, 2]), [[1, 2]]).toArray(), [0, 1, 2, 0, 0]);
 * ```
 */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[]): Tensor {
  x.assertLive("pad");
  if (widths.length > x.rank) throw new Error(`pad: ${widths.length} widths for rank ${x.rank}`);
  const before = x.shape.map((_, i) => widths[i]?.[0] ?? 0);
  const after = x.shape.map((_, i) => widths[i]?.[1] ?? 0);
  for (const w of [...before, ...after]) {
    if (!Number.isInteger(w) || w < 0) {
      throw new Error(`pad: widths must be non-negative integers, got ${w}`);
    }
  }
  if ([...before, ...after].every((w) => w === 0)) return x;
  return bind("pad", [x], { before, after });
}

/** The `concat` primitive's rule. */
export const concatRule: Rule<"concat"> = defineRule("concat", {
  outSpec: (xs, { axis }) => {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
    return { shape, dtype: xs[0].dtype };
  },
  batch: (xs, { axis }, size) => ({
    value: bind("concat", xs.map((x) => materialize(x, size)), { axis: axis + 1 }),
    axis: 0,
  }),
  vjp: (g, { inputs, params: { axis } }) => {
    let offset = 0;
    return inputs.map((x) => {
      const starts = x.shape.map((_, i) => (i === axis ? offset : 0));
      offset += x.shape[axis];
      return bind("slice", [g], { starts, sizes: x.shape });
    });
  },
});

/**
 * Join tensors along an existing axis (default 0).
 *
 * @example
 * ```ts
 * import { concat, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await concat([tensor([1, 2]), tensor([3])]).toArray(), [1, 2, 3]);
 * ```
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0 || !xs.every((x) => x instanceof Tensor)) {
    throw new Error("concat: expected a non-empty array of tensors");
  }
  const first = xs[0];
  const a = normalizeAxis("concat", axis, first.rank);
  for (const [i, x] of xs.entries()) {
    x.assertLive("concat");
    if (x.dtype !== first.dtype) {
      throw new Error(`concat: dtypes differ: ${first.dtype} and ${x.dtype} (input ${i})`);
    }
    if (x.rank !== first.rank || x.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      throw new Error(
        `concat: shapes ${fmtShape(first.shape)} and ${
          fmtShape(x.shape)
        } (input ${i}) differ off axis ${a}`,
      );
    }
  }
  if (xs.length === 1) return first;
  return bind("concat", xs, { axis: a });
}
