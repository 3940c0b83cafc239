/**
 * Reductions composed from the primitive ones: `prod` (pairwise halving
 * products, exact gradients at zeros), `variance`/`std` (with `ddof`),
 * `any`/`all` (bool results) and `argmax`/`argmin` (i32 results, the first
 * extreme entry as NumPy; a NaN counts as the extreme).
 *
 * @module
 */
import { normalizeAxes, normalizeAxis } from "../shape.ts";
import { fmtShape, Tensor, tidy } from "../tensor.ts";
import { arange, full } from "./create.ts";
import {
  cast,
  eq,
  gt,
  isFloat,
  minimum,
  mul,
  ne,
  sqrt,
  square,
  sub,
  where,
} from "./elementwise.ts";
import { max, mean, min, type ReduceOptions, sum } from "./reduce.ts";
import { reshape, transpose } from "./shape.ts";
import { concat, sliceAxis } from "./slice.ts";

function checkInput(op: string, x: Tensor, what: "float" | "numeric" | "any"): void {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  x.assertLive(op);
  if (what === "float" && !isFloat(x.dtype)) {
    throw new Error(`${op}: needs a float tensor, got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  if (what === "numeric" && x.dtype === "bool") {
    throw new Error(`${op}: needs a numeric tensor, got bool ${fmtShape(x.shape)}`);
  }
}

/** `x` with `axes` moved last and merged into one: `[...rest, prod(axes)]`. */
function axesLast(x: Tensor, axes: readonly number[]): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const moved = transpose(x, [...rest, ...axes]);
  return reshape(moved, [...rest.map((i) => x.shape[i]), axes.reduce((n, a) => n * x.shape[a], 1)]);
}

function finish(y: Tensor, x: Tensor, axes: readonly number[], keepdims?: boolean): Tensor {
  return keepdims ? reshape(y, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : y;
}

/**
 * Product over axes (all by default), by pairwise halving: log₂(n) products
 * of halves, so its gradient is exact where entries are zero.
 *
 * @example
 * ```ts
 * import { prod, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await prod(tensor([[1, 2], [3, 4]]), { axis: 1 }).toArray(), [2, 12]);
 * assertEquals(await prod(tensor([1, 2, 3, 4, 5])).item(), 120);
 * ```
 */
export function prod(x: Tensor, opts: ReduceOptions = {}): Tensor {
  checkInput("prod", x, "numeric");
  const axes = normalizeAxes("prod", opts.axis, x.rank);
  return tidy(() => {
    let y = axesLast(x, axes);
    const last = y.rank - 1;
    while (y.shape[last] > 1) {
      const n = y.shape[last];
      if (n % 2 === 1) {
        const one = full(y.shape.with(last, 1), 1, { dtype: y.dtype, backend: y.backend });
        y = concat([y, one], last);
      }
      const h = Math.ceil(n / 2);
      y = mul(sliceAxis(y, last, 0, h), sliceAxis(y, last, h, 2 * h));
    }
    const out = y.shape[last] === 0
      ? full(y.shape.slice(0, last), 1, { dtype: y.dtype, backend: y.backend })
      : reshape(y, y.shape.slice(0, last));
    return finish(out, x, axes, opts.keepdims);
  });
}

/** Options of {@linkcode variance} and {@linkcode std}. */
export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: the sum of squares is divided by `n - ddof` (default 0). */
  ddof?: number;
}

/**
 * Variance over axes (all by default): `sum((x - mean)²) / (n - ddof)`.
 *
 * @example
 * ```ts
 * import { tensor, variance } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * await assertAllClose(variance(tensor([1, 2, 3, 4])), 1.25);
 * await assertAllClose(variance(tensor([1, 2, 3, 4]), { ddof: 1 }), 5 / 3);
 * ```
 */
export function variance(x: Tensor, opts: VarianceOptions = {}): Tensor {
  checkInput("variance", x, "float");
  const axes = normalizeAxes("variance", opts.axis, x.rank);
  const n = axes.reduce((k, a) => k * x.shape[a], 1);
  const ddof = opts.ddof ?? 0;
  if (!Number.isFinite(ddof) || ddof < 0 || ddof >= n) {
    throw new Error(
      `variance: ddof ${ddof} must be in [0, ${n}) for ${n} entries of ${fmtShape(x.shape)}`,
    );
  }
  return tidy(() => {
    const centred = sub(x, mean(x, { axis: axes, keepdims: true }));
    return mul(sum(square(centred), { axis: axes, keepdims: opts.keepdims }), 1 / (n - ddof));
  });
}

/**
 * Standard deviation over axes (all by default): `sqrt(variance(x, opts))`.
 *
 * @example
 * ```ts
 * import { std, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await std(tensor([[1, 3], [5, 5]]), { axis: 1 }).toArray(), [1, 0]);
 * ```
 */
export function std(x: Tensor, opts: VarianceOptions = {}): Tensor {
  checkInput("std", x, "float");
  return tidy(() => sqrt(variance(x, opts)));
}

function truth(op: string, x: Tensor, opts: ReduceOptions, reduce: typeof max): Tensor {
  checkInput(op, x, "any");
  const axes = normalizeAxes(op, opts.axis, x.rank);
  if (axes.some((a) => x.shape[a] === 0)) {
    const shape = opts.keepdims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    return full(shape, op === "all", { backend: x.backend });
  }
  return tidy(() => gt(reduce(cast(ne(x, 0), "f32"), opts), 0));
}

/**
 * True where any entry over the axes (all by default) is non-zero (bool).
 *
 * @example
 * ```ts
 * import { any, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await any(tensor([[0, 0], [0, 2]]), { axis: 1 }).toArray(), [false, true]);
 * ```
 */
export function any(x: Tensor, opts: ReduceOptions = {}): Tensor {
  return truth("any", x, opts, max);
}

/**
 * True where every entry over the axes (all by default) is non-zero (bool).
 *
 * @example
 * ```ts
 * import { all, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await all(tensor([[1, 0], [1, 2]]), { axis: 1 }).toArray(), [false, true]);
 * ```
 */
export function all(x: Tensor, opts: ReduceOptions = {}): Tensor {
  return truth("all", x, opts, min);
}

/** Options of {@linkcode argmax} and {@linkcode argmin}. */
export interface ArgOptions {
  /** The axis to search (default: all entries, as if flattened). */
  axis?: number;
  /** Keep the searched axis with size 1. */
  keepdims?: boolean;
}

function argExtreme(op: "argmax" | "argmin", x: Tensor, opts: ArgOptions): Tensor {
  checkInput(op, x, "numeric");
  const flat = opts.axis === undefined;
  if (flat && opts.keepdims) throw new Error(`${op}: keepdims needs an axis`);
  const y = flat ? reshape(x, [-1]) : x;
  const axis = normalizeAxis(op, opts.axis ?? 0, y.rank);
  const n = y.shape[axis];
  if (n === 0) throw new Error(`${op}: axis ${axis} of ${fmtShape(x.shape)} is empty`);
  return tidy(() => {
    const extreme = (op === "argmax" ? max : min)(y, { axis, keepdims: true });
    const pos = reshape(
      arange(0, n, 1, { dtype: "f32", backend: x.backend }),
      y.shape.map((_, i) => (i === axis ? n : 1)),
    );
    // The first position holding the extreme; a NaN (the extreme by max's propagation) matches
    // where NaN != NaN.
    const at = minimum(where(eq(y, extreme), pos, n), where(ne(y, y), pos, n));
    const first = min(at, { axis, keepdims: opts.keepdims });
    return cast(first, "i32");
  });
}

/**
 * Index (i32) of the largest entry along `axis`, or of the flattened tensor;
 * the first one on ties.
 *
 * @example
 * ```ts
 * import { argmax, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const x = tensor([[1, 5, 5], [7, 0, 2]]);
 * assertEquals(await argmax(x, { axis: 1 }).toArray(), [1, 0]);
 * assertEquals([argmax(x).dtype, await argmax(x).item()], ["i32", 3]);
 * ```
 */
export function argmax(x: Tensor, opts: ArgOptions = {}): Tensor {
  return argExtreme("argmax", x, opts);
}

/**
 * Index (i32) of the smallest entry along `axis`, or of the flattened tensor;
 * the first one on ties.
 *
 * @example
 * ```ts
 * import { argmin, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await argmin(tensor([[1, 5], [7, 0]]), { axis: 0 }).toArray(), [0, 1]);
 * ```
 */
export function argmin(x: Tensor, opts: ArgOptions = {}): Tensor {
  return argExtreme("argmin", x, opts);
}
