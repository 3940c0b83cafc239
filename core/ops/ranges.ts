/**
 * Structured constants and triangles: `eye`, `linspace` (created on the host),
 * `tril`/`triu` (a `where` against a host-built triangular mask, so they
 * differentiate and run on every backend).
 *
 * @module
 */
import { fmtShape, Tensor } from "../tensor.ts";
import { allocHost, type CreateOptions, fromData } from "./create.ts";
import { where } from "./elementwise.ts";

function checkSize(op: string, name: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new Error(`${op}: ${name} must be a non-negative integer, got ${String(n)}`);
  }
  return n;
}

/** Options of {@linkcode eye}. */
export interface EyeOptions extends CreateOptions {
  /** Columns (default: as many as rows). */
  cols?: number;
  /** Diagonal offset: 0 the main diagonal, > 0 above, < 0 below. */
  k?: number;
}

/**
 * The `n × cols` matrix with ones on diagonal `k` (default the main one).
 *
 * @example
 * ```ts
 * import { eye } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await eye(2).toArray(), [[1, 0], [0, 1]]);
 * assertEquals(await eye(2, { cols: 3, k: 1 }).toArray(), [[0, 1, 0], [0, 0, 1]]);
 * ```
 */
export function eye(n: number, opts: EyeOptions = {}): Tensor {
  const rows = checkSize("eye", "n", n);
  const cols = checkSize("eye", "cols", opts.cols ?? rows);
  const k = opts.k ?? 0;
  if (!Number.isInteger(k)) throw new Error(`eye: k must be an integer, got ${k}`);
  const dtype = opts.dtype ?? "f32";
  const host = allocHost(dtype, rows * cols);
  for (let i = 0; i < rows; i++) if (i + k >= 0 && i + k < cols) host[i * cols + i + k] = 1;
  return fromData(host, [rows, cols], { ...opts, dtype });
}

/** Options of {@linkcode linspace}. */
export interface LinspaceOptions extends CreateOptions {
  /** Include `stop` as the last point (default true). */
  endpoint?: boolean;
}

/**
 * `num` evenly spaced points from `start` to `stop` (inclusive unless
 * `endpoint: false`).
 *
 * @example
 * ```ts
 * import { linspace } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
 * assertEquals(await linspace(0, 1, 4, { endpoint: false }).toArray(), [0, 0.25, 0.5, 0.75]);
 * ```
 */
export function linspace(
  start: number,
  stop: number,
  num: number,
  opts: LinspaceOptions = {},
): Tensor {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new Error(`linspace: start and stop must be finite, got ${start} and ${stop}`);
  }
  const n = checkSize("linspace", "num", num);
  const endpoint = opts.endpoint ?? true;
  const dtype = opts.dtype ?? "f32";
  const steps = endpoint ? n - 1 : n;
  const step = steps > 0 ? (stop - start) / steps : 0;
  const host = allocHost(dtype, n);
  for (let i = 0; i < n; i++) host[i] = start + i * step;
  if (endpoint && n > 1) host[n - 1] = stop;
  return fromData(host, [n], { ...opts, dtype });
}

function triangle(op: "tril" | "triu", x: Tensor, k: number): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  x.assertLive(op);
  if (x.rank < 2) throw new Error(`${op}: needs rank ≥ 2, got ${fmtShape(x.shape)}`);
  if (!Number.isInteger(k)) throw new Error(`${op}: k must be an integer, got ${k}`);
  const [r, c] = x.shape.slice(-2);
  const mask = allocHost("bool", r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) mask[i * c + j] = (op === "tril" ? j - i <= k : j - i >= k) ? 1 : 0;
  }
  const m = fromData(mask, [r, c], { dtype: "bool", backend: x.backend });
  try {
    return where(m, x, 0);
  } finally {
    m.dispose();
  }
}

/**
 * The lower triangle of the last two axes: entries with `col - row ≤ k`
 * (default 0) kept, the others zero.
 *
 * @example
 * ```ts
 * import { tensor, tril } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await tril(tensor([[1, 2], [3, 4]])).toArray(), [[1, 0], [3, 4]]);
 * ```
 */
export function tril(x: Tensor, opts: { k?: number } = {}): Tensor {
  return triangle("tril", x, opts.k ?? 0);
}

/**
 * The upper triangle of the last two axes: entries with `col - row ≥ k`
 * (default 0) kept, the others zero.
 *
 * @example
 * ```ts
 * import { tensor, triu } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(await triu(tensor([[1, 2], [3, 4]]), { k: 1 }).toArray(), [[0, 2], [0, 0]]);
 * ```
 */
export function triu(x: Tensor, opts: { k?: number } = {}): Tensor {
  return triangle("triu", x, opts.k ?? 0);
}
