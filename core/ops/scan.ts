/**
 * Cumulative sums and products along an axis, lowered to log₂(n) shift-and-
 * combine steps (Hillis–Steele): each step concatenates the identity in front
 * of a slice and adds (multiplies). Only existing primitives are used, so both
 * backends, `jit` and every derivative come for free, and integers stay exact.
 *
 * @module
 */
import { normalizeAxis } from "../shape.ts";
import { fmtShape, Tensor, tidy } from "../tensor.ts";
import { full } from "./create.ts";
import { add, mul } from "./elementwise.ts";
import { flip } from "./shape.ts";
import { concat, sliceAxis } from "./slice.ts";

/** Options of {@linkcode cumsum} and {@linkcode cumprod}. */
export interface ScanOptions {
  /** The axis to scan along (default: the last). */
  axis?: number;
  /** Scan from the end: entry `i` combines entries `i..n-1`. */
  reverse?: boolean;
}

function scan(op: "cumsum" | "cumprod", x: Tensor, opts: ScanOptions): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  x.assertLive(op);
  if (x.dtype === "bool") {
    throw new Error(`${op}: needs a numeric tensor, got bool ${fmtShape(x.shape)}`);
  }
  if (x.rank === 0) return x;
  const axis = normalizeAxis(op, opts.axis ?? -1, x.rank);
  const n = x.shape[axis];
  const combine = op === "cumsum" ? add : mul;
  return tidy(() => {
    let y = opts.reverse ? flip(x, axis) : x;
    for (let d = 1; d < n; d *= 2) {
      const identity = full(x.shape.with(axis, d), op === "cumsum" ? 0 : 1, {
        dtype: x.dtype,
        backend: x.backend,
      });
      y = combine(y, concat([identity, sliceAxis(y, axis, 0, n - d)], axis));
    }
    return opts.reverse ? flip(y, axis) : y;
  });
}

/**
 * Running sums along `axis` (default the last): entry `i` is the sum of
 * entries `0..i` (`i..n-1` with `reverse`).
 *
 * @example
 * ```ts
 * import { cumsum, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await cumsum(tensor([1, 2, 3, 4])).toArray(), [1, 3, 6, 10]);
 * assertEquals(await cumsum(tensor([[1, 2], [3, 4]]), { axis: 0 }).toArray(), [[1, 2], [4, 6]]);
 * assertEquals(await cumsum(tensor([1, 2, 3]), { reverse: true }).toArray(), [6, 5, 3]);
 * ```
 */
export function cumsum(x: Tensor, opts: ScanOptions = {}): Tensor {
  return scan("cumsum", x, opts);
}

/**
 * Running products along `axis` (default the last): entry `i` is the product
 * of entries `0..i` (`i..n-1` with `reverse`). Its gradient is exact at zeros.
 *
 * @example
 * ```ts
 * import { cumprod, tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await cumprod(tensor([1, 2, 3, 4])).toArray(), [1, 2, 6, 24]);
 * ```
 */
export function cumprod(x: Tensor, opts: ScanOptions = {}): Tensor {
  return scan("cumprod", x, opts);
}
